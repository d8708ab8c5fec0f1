import { z } from 'zod';
import { idSchema, timestampSchema } from './common.ts';

/** What a user may do: admins manage users, models, actions and extensions. */
export const userRoleSchema = z.enum(['admin', 'member']).meta({ id: 'UserRole' });
/** A user role. */
export type UserRole = z.infer<typeof userRoleSchema>;

/** A person who signs in. The password hash lives beside the user and no read returns it. */
export const userSchema = z
  .object({
    id: idSchema,
    /** Sign-in name: lower-case letters, digits, `.`, `_`, `-`; unique. */
    username: z
      .string()
      .min(2)
      .max(64)
      .regex(/^[a-z0-9][a-z0-9._-]*$/, 'use lower-case letters, digits, ".", "_" or "-"'),
    displayName: z.string().min(1).max(200),
    role: userRoleSchema,
    disabled: z.boolean(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'User' });
/** A user. */
export type User = z.infer<typeof userSchema>;
