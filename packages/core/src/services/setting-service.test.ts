import { beforeEach, describe, expect, it } from 'vitest';
import { type SettingView, settingViewSchema } from '../domain/index.ts';
import { GoosukeError, type InvalidInputError } from '../errors/index.ts';
import type { SecretBox } from '../ports/secret-box.ts';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import { createFixedClock, createMemoryStore, createSequentialIdGenerator } from '../testing/index.ts';
import { createSettingService, maximumSettingValueBytes, type SettingService } from './setting-service.ts';

const token = 'discord-bot-token-MTIzNDU2Nzg5.abcdef';

async function rejection(promise: Promise<unknown>, code: string): Promise<GoosukeError> {
  try {
    await promise;
  } catch (error) {
    expect(GoosukeError.isInstance(error), String(error)).toBe(true);
    expect((error as GoosukeError).code).toBe(code);
    return error as GoosukeError;
  }
  throw new Error(`expected a ${code} error`);
}

describe('the settings service', () => {
  let store: Store;
  let secretBox: SecretBox;
  let settings: SettingService;

  beforeEach(async () => {
    store = createMemoryStore();
    secretBox = await createWebCryptoSecretBox({ secret: 'test-master-secret-0123456789-abcdefghij' });
    settings = createSettingService({
      store,
      secretBox,
      clock: createFixedClock('2026-01-02T03:04:05.000Z'),
      ids: createSequentialIdGenerator(),
    });
  });

  it('creates, reads, lists by key and replaces a plain setting', async () => {
    const created = await settings.set('runs.max-parallel', {
      value: { limit: 4 },
      description: 'runs at once',
    });
    expect(created).toEqual({
      key: 'runs.max-parallel',
      secret: false,
      value: { limit: 4 },
      description: 'runs at once',
      updatedAt: '2026-01-02T03:04:05.000Z',
    });
    await settings.set('alpha', { value: null });
    expect(await settings.get('runs.max-parallel')).toEqual(created);
    expect((await settings.list()).map((view) => view.key)).toEqual(['alpha', 'runs.max-parallel']);
    // Left-out fields are kept; null removes the description.
    const replaced = await settings.set('runs.max-parallel', { value: 8 });
    expect(replaced).toMatchObject({ value: 8, description: 'runs at once', secret: false });
    expect(await settings.set('runs.max-parallel', { description: null })).toMatchObject({
      value: 8,
      description: null,
    });
    expect(await settings.readValue('runs.max-parallel')).toBe(8);
    expect(await settings.readValue('alpha')).toBeNull();
    expect(await settings.readValue('never.set')).toBeUndefined();
  });

  it('seals a secret: the store holds an envelope, views never hold the value', async () => {
    const view = await settings.set('discord.bot-token', { value: token, secret: true });
    expect(view).toEqual({
      key: 'discord.bot-token',
      secret: true,
      hasValue: true,
      description: null,
      updatedAt: '2026-01-02T03:04:05.000Z',
    });
    const stored = await store.settings.get('discord.bot-token');
    expect(stored?.secret).toBe(true);
    expect(typeof stored?.value).toBe('string');
    expect(JSON.stringify(stored)).not.toContain(token);
    // Bound to its key: the envelope does not open as another setting.
    expect(await secretBox.open(stored?.value as string, 'setting:discord.bot-token')).toBe(token);
    await expect(secretBox.open(stored?.value as string, 'setting:other.key')).rejects.toThrow();
    for (const shown of [view, await settings.get('discord.bot-token'), ...(await settings.list())]) {
      expect(JSON.stringify(shown)).not.toContain(token);
      expect(JSON.stringify(shown)).not.toContain(stored?.value as string);
      expect(settingViewSchema.parse(shown)).toEqual(shown);
      expect(Object.keys(shown)).not.toContain('value');
    }
    expect(await settings.readSecret('discord.bot-token')).toBe(token);
    expect(await settings.readValue('discord.bot-token')).toBe(token);
    expect(await settings.readSecret('missing.secret')).toBeUndefined();
  });

  it('keeps a secret secret when only the description or a new value is given', async () => {
    await settings.set('github.private-key', { value: 'first', secret: true });
    const described = await settings.set('github.private-key', { description: 'the App key' });
    expect(described).toMatchObject({ secret: true, hasValue: true, description: 'the App key' });
    expect(await settings.readSecret('github.private-key')).toBe('first');
    await settings.set('github.private-key', { value: 'second' });
    expect(await settings.readSecret('github.private-key')).toBe('second');
    expect(JSON.stringify(await store.settings.get('github.private-key'))).not.toContain('second');
  });

  it('turns a secret plain only with a new value', async () => {
    await settings.set('ext.api-key', { value: token, secret: true });
    const refused = (await rejection(
      settings.set('ext.api-key', { secret: false }),
      'invalid_input',
    )) as InvalidInputError;
    expect(refused.message).toMatch(/give a new value/);
    expect(refused.message).not.toContain(token);
    expect(await settings.readSecret('ext.api-key')).toBe(token);
    const plain = await settings.set('ext.api-key', { secret: false, value: 'public' });
    expect(plain).toMatchObject({ secret: false, value: 'public' });
    expect((await store.settings.get('ext.api-key'))?.value).toBe('public');
    await rejection(settings.readSecret('ext.api-key'), 'invalid_input');
  });

  it('seals the existing value when a plain string setting turns secret', async () => {
    await settings.set('discord.bot-token', { value: token });
    const view = await settings.set('discord.bot-token', { secret: true });
    expect(view).toMatchObject({ secret: true, hasValue: true });
    expect(JSON.stringify(await store.settings.get('discord.bot-token'))).not.toContain(token);
    expect(await settings.readSecret('discord.bot-token')).toBe(token);
    // A non-string value cannot become a secret without a new one.
    await settings.set('flag', { value: { on: true } });
    await rejection(settings.set('flag', { secret: true }), 'invalid_input');
    expect(await settings.get('flag')).toMatchObject({ secret: false, value: { on: true } });
  });

  it('refuses bad keys, bad input and oversized values, storing nothing', async () => {
    for (const key of ['', 'Upper', '1abc', 'has space', 'x'.repeat(201), 'a/b']) {
      await rejection(settings.set(key, { value: 1 }), 'invalid_input');
      await rejection(settings.get(key), 'invalid_input');
      await rejection(settings.delete(key), 'invalid_input');
    }
    const cases: unknown[] = [
      {},
      { secret: true },
      { value: 1, unexpected: true },
      { value: 1, secret: 'yes' },
      { value: 1, description: 'x'.repeat(501) },
      { value: 'x'.repeat(maximumSettingValueBytes) },
      { value: 1, secret: true },
      { value: '', secret: true },
      null,
      'text',
    ];
    for (const input of cases) {
      await rejection(settings.set('some.key', input as never), 'invalid_input');
    }
    expect(await settings.list()).toEqual([]);
    const largest = 'x'.repeat(maximumSettingValueBytes - 2);
    expect(
      ((await settings.set('some.key', { value: largest })) as SettingView & { value: string }).value,
    ).toBe(largest);
  });

  it('delete removes a setting once, then NotFoundError', async () => {
    await settings.set('doomed', { value: 'x', secret: true });
    await settings.delete('doomed');
    expect(await settings.list()).toEqual([]);
    await rejection(settings.delete('doomed'), 'not_found');
    await rejection(settings.get('doomed'), 'not_found');
  });

  it('refuses a write based on a setting that changed while it was sealed', async () => {
    await settings.set('race.key', { value: 'plain value' });
    // A concurrent writer changes the row while the first call seals outside the transaction.
    const racing = settings.set('race.key', { secret: true });
    await store.settings.set({
      key: 'race.key',
      value: 'other',
      secret: false,
      description: null,
      updatedAt: '2026-01-02T03:04:06.000Z',
    });
    await rejection(racing, 'conflict');
    expect(await settings.get('race.key')).toMatchObject({ secret: false, value: 'other' });
  });
});
