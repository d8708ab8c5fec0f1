import { z } from 'zod';
import { timestampSchema } from './common.ts';
import { extensionSchema } from './extension.ts';

/**
 * The record that an extension of this name was deleted (or renamed away from it), so that an
 * import from another tool's configuration (Goose's `config.yaml`) does not bring it back. One
 * per name; adding an extension of that name again forgets it.
 */
export const extensionDeletionSchema = z
  .object({
    name: extensionSchema.shape.name,
    deletedAt: timestampSchema,
  })
  .strict()
  .meta({ id: 'ExtensionDeletion' });
/** A deleted extension name. */
export type ExtensionDeletion = z.infer<typeof extensionDeletionSchema>;
