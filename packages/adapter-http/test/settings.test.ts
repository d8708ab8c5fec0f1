import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { type CallResult, call, type Harness, isProblem, startHarness } from './harness.ts';

const botToken = 'MTIzNDU2Nzg5MDEy.discord-bot-token.do-not-leak-4f1c';
const appKey =
  '-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC-app-key\n-----END PRIVATE KEY-----\n';

let harness: Harness;
// Every response body of this file, to check at the end that no secret ever left the server.
const seen: CallResult[] = [];

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

async function send(
  method: string,
  key: string | null,
  options: Parameters<typeof call>[3] = {},
): Promise<CallResult> {
  const url = `${apiPrefix}/settings${key === null ? '' : `/${key}`}`;
  const result = await call(harness.url, method, url, { token: harness.admin.token, ...options });
  seen.push(result);
  return result;
}

function expectNoSecret(result: CallResult): void {
  expect(result.text).not.toContain(botToken);
  expect(result.text).not.toContain('app-key');
  expect(result.text).not.toContain('PRIVATE KEY');
}

describe('the settings API', () => {
  it('round-trips a plain setting: PUT, GET, list, change, DELETE', async () => {
    const put = await send('put', 'runs.max-parallel', {
      body: { value: { limit: 4, tags: ['a'] }, description: 'runs at once' },
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      key: 'runs.max-parallel',
      secret: false,
      value: { limit: 4, tags: ['a'] },
      description: 'runs at once',
      updatedAt: expect.any(String),
    });
    expect((await send('get', 'runs.max-parallel')).json).toEqual(put.json);
    const changed = await send('put', 'runs.max-parallel', { body: { value: 8 } });
    expect(changed.json).toMatchObject({ value: 8, description: 'runs at once', secret: false });
    const list = await send('get', null);
    expect(list.status).toBe(200);
    expect(list.json.items).toEqual([changed.json]);
    const removed = await send('delete', 'runs.max-parallel');
    expect(removed.status).toBe(204);
    expect(removed.text).toBe('');
    expect(isProblem(await send('get', 'runs.max-parallel'), 404)).toBe(true);
    expect(isProblem(await send('delete', 'runs.max-parallel'), 404)).toBe(true);
    expect((await send('get', null)).json).toEqual({ items: [] });
  });

  it('stores a secret sealed and never returns it, while core can still read it', async () => {
    const put = await send('put', 'discord.bot-token', {
      body: { value: botToken, secret: true, description: 'the Discord bot token' },
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      key: 'discord.bot-token',
      secret: true,
      hasValue: true,
      description: 'the Discord bot token',
      updatedAt: expect.any(String),
    });
    const key = await send('put', 'github.app.private-key', { body: { value: appKey, secret: true } });
    expect(key.json).not.toHaveProperty('value');
    const plain = await send('put', 'discord.prefix', { body: { value: '!' } });
    expect(plain.json.value).toBe('!');

    const one = await send('get', 'discord.bot-token');
    expect(one.json).toEqual(put.json);
    const list = await send('get', null);
    expect(list.json.items.map((item: { key: string }) => item.key)).toEqual([
      'discord.bot-token',
      'discord.prefix',
      'github.app.private-key',
    ]);
    for (const item of list.json.items) expect('value' in item).toBe(item.key === 'discord.prefix');

    // Changing the description keeps the secret; the value stays write-only.
    const described = await send('put', 'discord.bot-token', { body: { description: 'rotated monthly' } });
    expect(described.json).toMatchObject({ secret: true, hasValue: true, description: 'rotated monthly' });

    // At rest: ciphertext in the SQLite file, never the plaintext.
    const raw = harness.store.database
      .prepare('select value, secret from goosuke_settings where key = ?')
      .get('discord.bot-token') as { value: string; secret: number };
    expect(raw.secret).toBe(1);
    expect(raw.value).not.toContain(botToken);
    expect(await harness.goosuke.settings.readSecret('discord.bot-token')).toBe(botToken);
    expect(await harness.goosuke.settings.readSecret('github.app.private-key')).toBe(appKey);

    // The OpenAPI document is served too: it must not carry a value either.
    seen.push(await call(harness.url, 'get', `${apiPrefix}/openapi.json`));
  });

  it('refuses to turn a secret plain without a new value, without revealing it', async () => {
    await send('put', 'ext.api-key', { body: { value: botToken, secret: true } });
    const refused = await send('put', 'ext.api-key', { body: { secret: false } });
    expect(isProblem(refused, 400)).toBe(true);
    expect(refused.json.code).toBe('invalid_input');
    const replaced = await send('put', 'ext.api-key', { body: { secret: false, value: 'now public' } });
    expect(replaced.json).toMatchObject({ secret: false, value: 'now public' });
  });

  it('answers 401 without a token and 403 to members, on every settings route', async () => {
    await send('put', 'guarded.secret', { body: { value: botToken, secret: true } });
    const routes: Array<[string, string | null, unknown]> = [
      ['get', null, undefined],
      ['get', 'guarded.secret', undefined],
      ['put', 'guarded.secret', { value: 'overwritten', secret: false }],
      ['delete', 'guarded.secret', undefined],
    ];
    for (const [method, key, body] of routes) {
      const url = `${apiPrefix}/settings${key === null ? '' : `/${key}`}`;
      const options = body === undefined ? {} : { body };
      const anonymous = await call(harness.url, method, url, options);
      expect(isProblem(anonymous, 401), `${method} ${url}: ${anonymous.text}`).toBe(true);
      const member = await call(harness.url, method, url, { ...options, token: harness.alice.token });
      expect(isProblem(member, 403), `${method} ${url}: ${member.text}`).toBe(true);
      expect(member.json.code).toBe('forbidden');
      seen.push(anonymous, member);
    }
    // Nothing the members tried changed the secret.
    expect(await harness.goosuke.settings.readSecret('guarded.secret')).toBe(botToken);
  });

  it('answers 4xx problem JSON for bad keys and bodies', async () => {
    for (const key of ['Upper.Case', '1starts-with-digit', 'has%20space', `${'k'.repeat(201)}`, '_x']) {
      for (const method of ['get', 'delete']) {
        const result = await send(method, key);
        expect(isProblem(result, 400), `${method} ${key}: ${result.text}`).toBe(true);
      }
      expect(isProblem(await send('put', key, { body: { value: 1 } }), 400)).toBe(true);
    }
    const bodies: unknown[] = [
      {},
      { secret: true },
      { value: 1, secret: true },
      { value: '', secret: true },
      { value: 1, extra: true },
      { value: 1, description: 'd'.repeat(501) },
      { value: 1, secret: 'yes' },
      [1],
      'text',
    ];
    for (const body of bodies) {
      const result = await send('put', 'fresh.key', { body });
      expect(isProblem(result, 400), `${JSON.stringify(body)}: ${result.text}`).toBe(true);
      // Non-object JSON fails the body parser (invalid_body), objects fail the schema.
      expect(result.json.code).toBe(typeof body === 'object' ? 'invalid_input' : 'invalid_body');
    }
    const tooBig = await send('put', 'fresh.key', { body: { value: 'x'.repeat(64 * 1024) } });
    expect(tooBig.status).toBeGreaterThanOrEqual(400);
    expect(tooBig.status).toBeLessThan(500);
    expect(isProblem(tooBig, tooBig.status)).toBe(true);
    expect(isProblem(await send('get', 'fresh.key'), 404)).toBe(true);
  });

  it('never put a secret into any response body', () => {
    expect(seen.length).toBeGreaterThan(40);
    for (const result of seen) expectNoSecret(result);
  });
});
