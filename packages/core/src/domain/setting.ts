import { z } from 'zod';
import { jsonValueSchema, timestampSchema } from './common.ts';

/** A setting key: lower-case dotted words such as `discord.bot-token`, at most 200 characters. */
export const settingKeySchema = z
  .string()
  .max(200)
  .regex(/^[a-z][a-z0-9_.-]*$/, 'a setting key is lower-case dotted words (e.g. discord.bot-token)');

/** The longest description of a setting, in characters. */
export const maximumSettingDescriptionLength = 500;

/** What a setting says it is for; shown to admins beside the value. */
export const settingDescriptionSchema = z.string().max(maximumSettingDescriptionLength);

/**
 * A named deployment setting as the store holds it. When `secret` is true, `value` is the
 * SecretBox envelope (a string) of the plaintext, sealed with the context `setting:<key>`;
 * the plaintext is never stored. Never returned by an API as is: adapters show
 * {@link settingViewSchema} instead.
 */
export const settingSchema = z
  .object({
    key: settingKeySchema,
    value: jsonValueSchema,
    secret: z.boolean(),
    description: settingDescriptionSchema.nullable(),
    updatedAt: timestampSchema,
  })
  .meta({ id: 'StoredSetting' });
/** A setting as stored (a secret's value is its envelope). */
export type Setting = z.infer<typeof settingSchema>;

const settingViewFields = {
  key: settingKeySchema,
  description: settingDescriptionSchema.nullable(),
  updatedAt: timestampSchema,
};

/**
 * What an API shows of a setting. A plain setting carries its value; a secret carries only
 * `secret: true` and `hasValue: true`: its value (plaintext or envelope) never leaves core.
 */
export const settingViewSchema = z
  .discriminatedUnion('secret', [
    z.object({ ...settingViewFields, secret: z.literal(false), value: jsonValueSchema }),
    z.object({ ...settingViewFields, secret: z.literal(true), hasValue: z.literal(true) }),
  ])
  .meta({ id: 'Setting' });
/** The public view of a setting. */
export type SettingView = z.infer<typeof settingViewSchema>;

/** The view of a stored setting: drops a secret's envelope. */
export function settingViewOf(setting: Setting): SettingView {
  const { key, description, updatedAt } = setting;
  return setting.secret
    ? { key, secret: true, hasValue: true, description, updatedAt }
    : { key, secret: false, value: setting.value, description, updatedAt };
}
