import { z } from 'zod';
import { jsonValueSchema, timestampSchema } from './common.ts';

/** A named configuration value stored in the database (not a secret). */
export const settingSchema = z
  .object({
    key: z
      .string()
      .regex(/^[a-z][a-z0-9_.-]*$/, 'a setting key is lower-case dotted words')
      .max(200),
    value: jsonValueSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Setting' });
/** A setting. */
export type Setting = z.infer<typeof settingSchema>;
