import { z } from 'zod';

/** A repository as a code host lists it (`GET /api/v1/github/repos`). */
export const hostedRepositorySchema = z
  .object({
    /** `owner/name`. */
    fullName: z.string(),
    /** The HTTPS clone URL, without credentials. */
    cloneUrl: z.string(),
    defaultBranch: z.string(),
    private: z.boolean(),
  })
  .meta({ id: 'HostedRepository' });
/** A repository on a code host. */
export type HostedRepository = z.infer<typeof hostedRepositorySchema>;
