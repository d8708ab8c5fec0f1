import { z } from 'zod';
import {
  type JsonValue,
  jsonValueSchema,
  type Setting,
  type SettingView,
  settingDescriptionSchema,
  settingKeySchema,
  settingViewOf,
} from '../domain/index.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import type { SecretBox } from '../ports/secret-box.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';

/** The largest setting value, in bytes of its UTF-8 JSON text (64 KiB). */
export const maximumSettingValueBytes = 64 * 1024;

const encoder = new TextEncoder();

function jsonBytes(value: JsonValue): number {
  return encoder.encode(JSON.stringify(value)).byteLength;
}

/**
 * Input of {@link SettingService.set}. Every field is optional on an existing setting (what is
 * left out is kept); a new setting needs `value`. A secret's value is a non-empty string and
 * is write-only: it is sealed and never shown again. `description: null` removes it.
 */
export const setSettingInputSchema = z
  .object({
    value: jsonValueSchema.optional(),
    secret: z.boolean().optional(),
    description: settingDescriptionSchema.nullable().optional(),
  })
  .strict()
  .refine((input) => input.value === undefined || jsonBytes(input.value) <= maximumSettingValueBytes, {
    message: `a setting value is at most ${maximumSettingValueBytes} bytes of JSON`,
    path: ['value'],
  })
  .meta({ id: 'SetSettingInput' });
/** Input to create or change a setting. */
export type SetSettingInput = z.input<typeof setSettingInputSchema>;

/**
 * Deployment settings (Discord bot token, GitHub App configuration, extension secrets, flags).
 * The methods returning {@link SettingView} are safe to expose; `readValue` and `readSecret`
 * return plaintext for core features and composition roots only. Access control belongs to
 * the adapter: every route over this service is admin-only.
 */
export interface SettingService {
  /** Every setting's view, ordered by key. */
  list(): Promise<SettingView[]>;
  /** A setting's view. NotFoundError when missing; InvalidInputError for a malformed key. */
  get(key: string): Promise<SettingView>;
  /**
   * Creates or changes a setting and returns its view. Secret values are sealed before they
   * are stored. A secret turns into a plain setting only with a new `value` (its old one is
   * never revealed); a plain setting turns secret keeping its value when that is a string.
   *
   * @throws InvalidInputError for a malformed key or input, a new setting without `value`, a
   *   secret value that is not a non-empty string, or un-secreting without a new value.
   * @throws ConflictError when the setting changed while this call sealed its value; retry.
   */
  set(key: string, input: SetSettingInput): Promise<SettingView>;
  /** NotFoundError when missing. */
  delete(key: string): Promise<void>;
  /**
   * The plaintext value of a setting (a secret's opened), or undefined when it is not set.
   * INTERNAL: for core features and composition roots (bot token, GitHub App key, extension
   * secrets). Adapters must never return it, log it or put it into an error.
   */
  readValue(key: string): Promise<JsonValue | undefined>;
  /**
   * The plaintext of a secret setting, or undefined when it is not set. INTERNAL, like
   * `readValue`. InvalidInputError when the setting exists but is not secret: a credential
   * stored in plain text is refused rather than used.
   */
  readSecret(key: string): Promise<string | undefined>;
}

function sealContext(key: string): string {
  return `setting:${key}`;
}

/**
 * Seals `value` as the secret value of the setting `key`, exactly as {@link SettingService.set}
 * does (bound to the key: a sealed value moved to another key does not open). For services that
 * write several settings in one transaction.
 */
export function sealSettingSecret(secretBox: SecretBox, key: string, value: string): Promise<string> {
  return secretBox.seal(value, sealContext(key));
}

function secretValue(value: JsonValue | undefined, key: string, hint: string): string {
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidInputError(
      `the secret setting ${JSON.stringify(key)} needs a non-empty string value${hint}`,
      [{ path: ['value'], message: 'a secret value is a non-empty string' }],
    );
  }
  return value;
}

// Two reads of the same row: equal when nothing was written between them.
function sameSetting(a: Setting | null, b: Setting | null): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Builds the settings service on the given ports. */
export function createSettingService(context: ServiceContext): SettingService {
  const { store, secretBox, clock } = context;

  async function stored(rawKey: string): Promise<Setting> {
    const key = parseInput(settingKeySchema, rawKey, 'setting key');
    const setting = await store.settings.get(key);
    if (!setting) throw new NotFoundError('setting', key);
    return setting;
  }

  async function plaintextOf(setting: Setting): Promise<JsonValue> {
    if (!setting.secret) return setting.value;
    return secretBox.open(secretValue(setting.value, setting.key, ''), sealContext(setting.key));
  }

  return {
    async list() {
      return (await store.settings.list()).map(settingViewOf);
    },

    async get(key) {
      return settingViewOf(await stored(key));
    },

    async set(rawKey, raw) {
      const key = parseInput(settingKeySchema, rawKey, 'setting key');
      const input = parseInput(setSettingInputSchema, raw, 'setting');
      const before = await store.settings.get(key);
      const secret = input.secret ?? before?.secret ?? false;
      let value: JsonValue;
      if (input.value !== undefined) {
        value = secret
          ? await secretBox.seal(secretValue(input.value, key, ''), sealContext(key))
          : input.value;
      } else if (before === null) {
        throw new InvalidInputError(`the setting ${JSON.stringify(key)} does not exist yet: give its value`, [
          { path: ['value'], message: 'required for a new setting' },
        ]);
      } else if (before.secret && !secret) {
        throw new InvalidInputError(
          `to make the secret setting ${JSON.stringify(key)} plain, give a new value: a secret is never revealed`,
          [{ path: ['value'], message: 'required when secret turns false' }],
        );
      } else if (!before.secret && secret) {
        value = await secretBox.seal(
          secretValue(before.value, key, ': give one, or store a string first'),
          sealContext(key),
        );
      } else {
        value = before.value;
      }
      const setting: Setting = {
        key,
        value,
        secret,
        description: input.description === undefined ? (before?.description ?? null) : input.description,
        updatedAt: isoNow(clock),
      };
      // Sealing is async work done outside the transaction; the transaction only checks that
      // the row it was based on is still there unchanged, so no concurrent write is lost.
      const written = await store.transaction(async (tx) => {
        if (!sameSetting(await tx.settings.get(key), before)) {
          throw new ConflictError(
            `the setting ${JSON.stringify(key)} changed meanwhile: send the change again`,
          );
        }
        return tx.settings.set(setting);
      });
      return settingViewOf(written);
    },

    async delete(rawKey) {
      const key = parseInput(settingKeySchema, rawKey, 'setting key');
      if (!(await store.settings.delete(key))) throw new NotFoundError('setting', key);
    },

    async readValue(rawKey) {
      const key = parseInput(settingKeySchema, rawKey, 'setting key');
      const setting = await store.settings.get(key);
      return setting === null ? undefined : plaintextOf(setting);
    },

    async readSecret(rawKey) {
      const key = parseInput(settingKeySchema, rawKey, 'setting key');
      const setting = await store.settings.get(key);
      if (setting === null) return undefined;
      if (!setting.secret) {
        throw new InvalidInputError(
          `the setting ${JSON.stringify(key)} is not secret: set it again with secret: true`,
        );
      }
      return secretValue(await plaintextOf(setting), key, '');
    },
  };
}
