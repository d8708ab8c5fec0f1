import { z } from 'zod';
import { relativePathSchema } from './common.ts';

/**
 * One file write of an all-or-nothing change set: new `content`, or `null` to delete.
 * Paths are relative to a workspace root, with forward slashes.
 */
export const fileChangeSchema = z
  .object({
    path: relativePathSchema,
    content: z.string().nullable(),
  })
  .meta({ id: 'FileChange' });
/** A file change. */
export type FileChange = z.infer<typeof fileChangeSchema>;
