import { describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import { GoosukeError } from '../errors/index.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import { createFixedClock, createMemoryStore, createSequentialIdGenerator } from '../testing/index.ts';

const secretValue = 'ghp_extensionSecretValue0123456789abcdef';
const headerSecret = 'Bearer mcp-header-secret-9f8e7d6c5b4a';

async function compose(): Promise<{ goosuke: Goosuke; store: ReturnType<typeof createMemoryStore> }> {
  const store = createMemoryStore();
  const goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-extension-tests-0123' }),
    clock: createFixedClock('2026-01-02T03:04:05.000Z'),
    ids: createSequentialIdGenerator(),
  });
  return { goosuke, store };
}

async function rejection(promise: Promise<unknown>): Promise<GoosukeError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  if (!GoosukeError.isInstance(error)) throw new Error(`expected a GoosukeError, got ${String(error)}`);
  return error;
}

describe('goosuke.extensions', () => {
  it('stores a stdio extension with its secret env sealed, never returned, opened only by reveal', async () => {
    const { goosuke, store } = await compose();
    const created = await goosuke.extensions.create({
      name: 'github',
      description: 'Issues and pull requests',
      type: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-github'],
      cwd: '/srv/mcp',
      env: [
        { name: 'GITHUB_TOKEN', value: secretValue, secret: true },
        { name: 'LOG_LEVEL', value: 'info' },
      ],
    });
    expect(created).toMatchObject({
      name: 'github',
      type: 'stdio',
      enabled: true,
      alwaysOn: false,
      timeoutSeconds: 60,
      server: null,
      env: [
        { name: 'GITHUB_TOKEN', value: null, secret: true },
        { name: 'LOG_LEVEL', value: 'info', secret: false },
      ],
    });
    expect(JSON.stringify(await goosuke.extensions.list())).not.toContain(secretValue);
    expect(JSON.stringify(await goosuke.extensions.resolve('github'))).not.toContain(secretValue);
    // Sealed at rest: the store holds an envelope, not the value.
    const raw = await store.extensions.get(created.id);
    expect(JSON.stringify(raw)).not.toContain(secretValue);
    expect(raw!.env[0]!.value).not.toBeNull();

    const revealed = await goosuke.extensions.reveal(created.id);
    expect(revealed.env).toEqual({ GITHUB_TOKEN: secretValue, LOG_LEVEL: 'info' });
    expect(revealed.secrets).toEqual([secretValue]);
    expect(JSON.stringify(revealed.extension)).not.toContain(secretValue);

    // An update may keep a secret without sending it again, replace it, or drop it.
    const kept = await goosuke.extensions.update(created.id, {
      env: [
        { name: 'GITHUB_TOKEN', secret: true },
        { name: 'EXTRA', value: '1' },
      ],
    });
    expect(kept.env.map((entry) => entry.name)).toEqual(['GITHUB_TOKEN', 'EXTRA']);
    expect((await goosuke.extensions.reveal(created.id)).env.GITHUB_TOKEN).toBe(secretValue);
    await goosuke.extensions.update(created.id, {
      env: [{ name: 'GITHUB_TOKEN', value: 'new-token', secret: true }],
    });
    expect((await goosuke.extensions.reveal(created.id)).env).toEqual({ GITHUB_TOKEN: 'new-token' });
    const missing = await rejection(
      goosuke.extensions.update(created.id, { env: [{ name: 'OTHER_TOKEN', secret: true }] }),
    );
    expect(missing.message).toMatch(/env OTHER_TOKEN needs a value/);
  });

  it('stores an HTTP extension with secret headers, and records its server', async () => {
    const { goosuke } = await compose();
    const created = await goosuke.extensions.create({
      name: 'search',
      type: 'streamable_http',
      uri: 'https://mcp.example.test/mcp',
      headers: [
        { name: 'Authorization', value: headerSecret, secret: true },
        { name: 'X-Team', value: 'widgets' },
      ],
      timeoutSeconds: 30,
      alwaysOn: true,
    });
    expect(created.headers).toEqual([
      { name: 'Authorization', value: null, secret: true },
      { name: 'X-Team', value: 'widgets', secret: false },
    ]);
    expect((await goosuke.extensions.reveal(created.id)).headers).toEqual({
      Authorization: headerSecret,
      'X-Team': 'widgets',
    });
    const recorded = await goosuke.extensions.recordServer(created.id, {
      name: 'search-server',
      version: '2.1.0',
    });
    expect(recorded.server).toEqual({
      name: 'search-server',
      version: '2.1.0',
      checkedAt: '2026-01-02T03:04:05.000Z',
    });
  });

  it('refuses what does not fit the type, names given twice, a name in use, and deleting one templates use', async () => {
    const { goosuke } = await compose();
    const codes = async (input: Parameters<Goosuke['extensions']['create']>[0]) =>
      (await rejection(goosuke.extensions.create(input))).message;
    expect(await codes({ name: 'a', type: 'stdio' })).toMatch(/a stdio extension needs a command/);
    expect(await codes({ name: 'a', type: 'sse' })).toMatch(/an HTTP extension needs a uri/);
    expect(
      await codes({ name: 'a', type: 'sse', uri: 'https://x.test/sse', env: [{ name: 'A', value: '1' }] }),
    ).toMatch(/takes no env/);
    expect(await codes({ name: 'a', type: 'stdio', command: 'x', uri: 'https://x.test/mcp' })).toMatch(
      /takes no uri/,
    );
    expect(await codes({ name: 'a', type: 'streamable_http', uri: 'file:///etc/passwd' })).toMatch(
      /http or https/,
    );
    expect(
      await codes({
        name: 'a',
        type: 'streamable_http',
        uri: 'https://x.test/mcp',
        headers: [
          { name: 'Authorization', value: '1' },
          { name: 'authorization', value: '2' },
        ],
      }),
    ).toMatch(/headers names authorization twice/);
    expect(
      await codes({ name: 'a', type: 'stdio', command: 'x', env: [{ name: 'TOKEN', secret: true }] }),
    ).toMatch(/env TOKEN needs a value/);
    expect(await codes({ name: 'a', type: 'stdio', command: 'x', cwd: 'relative/dir' })).toMatch(
      /absolute path/,
    );

    const stored = await goosuke.extensions.create({ name: 'files', type: 'stdio', command: 'mcp-files' });
    const taken = await rejection(
      goosuke.extensions.create({ name: 'files', type: 'stdio', command: 'other' }),
    );
    expect(taken.code).toBe('conflict');
    const template = await goosuke.templates.create({
      name: 'uses-files',
      prompt: 'Go',
      extensionIds: [stored.id],
    });
    const used = await rejection(goosuke.extensions.delete(stored.id));
    expect(used.code).toBe('conflict');
    expect(used.message).toMatch(/used by template uses-files/);
    await goosuke.templates.update(template.id, { extensionIds: [] });
    await goosuke.extensions.delete(stored.id);
    expect((await rejection(goosuke.extensions.get(stored.id))).code).toBe('not_found');
  });
});
