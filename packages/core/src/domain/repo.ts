import { z } from 'zod';
import { idSchema, timestampSchema } from './common.ts';

/** A git repository Goosuke works on: where to clone it from and its default branch. */
export const repoSchema = z
  .object({
    id: idSchema,
    /** Short display name, usually `owner/name`. */
    name: z.string().min(1).max(200),
    /** Clone URL (https or file) of the upstream repository. */
    url: z.string().min(1).max(2048),
    defaultBranch: z.string().min(1).max(255),
    /** The code host, when pull requests can be opened there. */
    codeHost: z.enum(['github']).nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Repo' });
/** A repository. */
export type Repo = z.infer<typeof repoSchema>;
