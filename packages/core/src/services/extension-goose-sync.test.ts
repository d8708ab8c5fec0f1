import { describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  buildExtension,
  createFixedClock,
  createMemoryStore,
  createSequentialIdGenerator,
} from '../testing/index.ts';
import { gooseKeyOf } from './goose-config.ts';

// Goose's `extensions:` mapping as the adapters hand it over: parsed YAML, as plain values.
// A realistic file: Goose's own builtin and platform entries, a stdio server with plain and
// credential-looking `envs` and an `env_keys` secret, an SSE and a streamable-HTTP server with
// headers, fields Goosuke does not know, and entries Goosuke cannot hold.
function gooseExtensions(): Record<string, unknown> {
  return {
    developer: {
      enabled: true,
      type: 'builtin',
      name: 'developer',
      display_name: 'Developer',
      timeout: 300,
      bundled: true,
      available_tools: [],
    },
    todo: { enabled: true, type: 'platform', name: 'todo', description: 'Todo list', bundled: true },
    github: {
      enabled: true,
      type: 'stdio',
      name: 'github',
      description: 'GitHub issues and pull requests',
      cmd: 'npx',
      args: ['-y', '@modelcontextprotocol/server-github', '--port', 8080],
      envs: { LOG_LEVEL: 'debug', GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_fromTheGooseFile0123' },
      env_keys: ['SLACK_BOT_TOKEN'],
      timeout: 120,
      bundled: null,
      available_tools: ['create_issue'],
    },
    events: {
      enabled: false,
      type: 'sse',
      name: 'events',
      description: null,
      uri: 'http://127.0.0.1:8000/sse',
    },
    search: {
      enabled: true,
      type: 'streamable_http',
      name: 'Search',
      description: 'Web search',
      uri: 'https://mcp.example.test/mcp',
      headers: { 'X-Team': 'widgets', Authorization: 'Bearer from-the-goose-file-77' },
      envs: { UNUSED: 'x' },
      timeout: 60,
      x_custom: { kept: true },
    },
    broken: { enabled: true, type: 'stdio', name: 'broken', args: [] },
    slow: { enabled: true, type: 'stdio', name: 'slow', cmd: 'slow-mcp', args: [], timeout: 7200 },
    search2: {
      enabled: true,
      type: 'streamable_http',
      name: 'Search',
      uri: 'https://other.example.test/mcp',
    },
    junk: 'not an entry',
    ui: { enabled: true, type: 'frontend', name: 'ui', tools: [] },
  };
}

async function compose() {
  const store = createMemoryStore();
  const goosuke: Goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-goose-sync-tests-012' }),
    clock: createFixedClock('2026-01-02T03:04:05.000Z'),
    ids: createSequentialIdGenerator(),
  });
  return { goosuke, store };
}

describe('importing Goose extensions', () => {
  it('adds what Goosuke can run, seals credentials, and says why it skipped the rest', async () => {
    const { goosuke, store } = await compose();
    const report = await goosuke.extensions.importFromGoose({ extensions: gooseExtensions() });

    expect(report.added.map((item) => [item.key, item.name])).toEqual([
      ['github', 'github'],
      ['events', 'events'],
      ['search', 'Search'],
    ]);
    expect(report.updated).toEqual([]);
    expect(report.unchanged).toEqual([]);
    expect(report.skipped.map((item) => [item.key, item.reason])).toEqual([
      ['developer', 'unsupported_type'],
      ['todo', 'unsupported_type'],
      ['broken', 'invalid'],
      ['search2', 'duplicate'],
      ['junk', 'invalid'],
      ['ui', 'unsupported_type'],
      ['slow', 'invalid'],
    ]);
    const byKey = Object.fromEntries(report.skipped.map((item) => [item.key, item.message]));
    expect(byKey.developer).toMatch(/builtin extension runs inside Goose/);
    expect(byKey.broken).toMatch(/needs cmd/);
    expect(byKey.slow).toMatch(/timeoutSeconds/);

    const github = report.added[0]!;
    expect(github.secretsWithoutValue).toEqual(['SLACK_BOT_TOKEN']);
    expect(github.notes.join('\n')).toMatch(/GITHUB_PERSONAL_ACCESS_TOKEN kept secret/);
    expect(github.notes.join('\n')).toMatch(/env_keys SLACK_BOT_TOKEN: .*out of Goosuke's reach/);
    expect(await goosuke.extensions.resolve('github')).toMatchObject({
      type: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-github', '--port', '8080'],
      timeoutSeconds: 120,
      enabled: true,
      description: 'GitHub issues and pull requests',
      env: [
        { name: 'LOG_LEVEL', value: 'debug', secret: false },
        { name: 'GITHUB_PERSONAL_ACCESS_TOKEN', value: null, secret: true },
        { name: 'SLACK_BOT_TOKEN', value: null, secret: true },
      ],
    });
    // Sealed at rest, opened by reveal; the env_keys one has no value to give.
    const stored = await store.extensions.get(github.id);
    expect(JSON.stringify(stored)).not.toContain('ghp_fromTheGooseFile0123');
    const revealed = await goosuke.extensions.reveal(github.id);
    expect(revealed.env).toEqual({
      LOG_LEVEL: 'debug',
      GITHUB_PERSONAL_ACCESS_TOKEN: 'ghp_fromTheGooseFile0123',
    });
    expect(revealed.missingSecrets).toEqual(['SLACK_BOT_TOKEN']);

    // An update that sends the secret without a value keeps it unset; one with a value sets it.
    const env = [
      { name: 'LOG_LEVEL', value: 'debug' },
      { name: 'GITHUB_PERSONAL_ACCESS_TOKEN', secret: true },
      { name: 'SLACK_BOT_TOKEN', secret: true },
    ];
    await goosuke.extensions.update(github.id, { env, description: 'still unset' });
    expect((await goosuke.extensions.reveal(github.id)).missingSecrets).toEqual(['SLACK_BOT_TOKEN']);
    await goosuke.extensions.update(github.id, {
      env: [...env.slice(0, 2), { name: 'SLACK_BOT_TOKEN', value: 'xoxb-now-set', secret: true }],
    });
    const set = await goosuke.extensions.reveal(github.id);
    expect(set.env.SLACK_BOT_TOKEN).toBe('xoxb-now-set');
    expect(set.missingSecrets).toEqual([]);

    expect(await goosuke.extensions.resolve('events')).toMatchObject({
      type: 'sse',
      enabled: false,
      description: '',
      timeoutSeconds: 300,
    });
    const search = await goosuke.extensions.resolve('Search');
    expect(search).toMatchObject({
      type: 'streamable_http',
      uri: 'https://mcp.example.test/mcp',
      env: [],
      headers: [
        { name: 'X-Team', value: 'widgets', secret: false },
        { name: 'Authorization', value: null, secret: true },
      ],
    });
    expect(report.added[2]!.notes.join('\n')).toMatch(/envs and env_keys were left out/);
  });

  it('reports a second import of the same file as unchanged, and updates from a changed one keeping what Goose has not', async () => {
    const { goosuke } = await compose();
    await goosuke.extensions.importFromGoose({ extensions: gooseExtensions() });
    const before = await goosuke.extensions.resolve('github');

    const again = await goosuke.extensions.importFromGoose({ extensions: gooseExtensions() });
    expect(again.added).toEqual([]);
    expect(again.updated).toEqual([]);
    expect(again.unchanged.map((item) => item.name)).toEqual(['github', 'events', 'Search']);
    expect(await goosuke.extensions.resolve('github')).toEqual(before);

    // What only Goosuke has: a working directory, always-on, a secret header, a value for env_keys.
    await goosuke.extensions.update(before.id, {
      cwd: '/srv/github',
      alwaysOn: true,
      env: [
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'GITHUB_PERSONAL_ACCESS_TOKEN', secret: true },
        { name: 'SLACK_BOT_TOKEN', value: 'xoxb-set-in-goosuke', secret: true },
      ],
    });
    const search = await goosuke.extensions.resolve('Search');
    await goosuke.extensions.update(search.id, {
      headers: [
        // Made secret in Goosuke: the file's plain copy of it must not make it plain again.
        { name: 'X-Team', value: 'widgets', secret: true },
        { name: 'Authorization', secret: true },
        { name: 'X-Api-Key', value: 'goosuke-only-key', secret: true },
      ],
    });
    const changed = gooseExtensions();
    const github = changed.github as Record<string, unknown>;
    github.args = ['-y', '@modelcontextprotocol/server-github'];
    github.enabled = false;
    const report = await goosuke.extensions.importFromGoose({ extensions: changed });
    expect(report.updated.map((item) => [item.name, item.changed])).toEqual([
      ['github', ['args', 'enabled']],
    ]);
    expect(report.updated[0]!.secretsWithoutValue).toEqual([]);
    expect(report.unchanged.map((item) => item.name)).toEqual(['events', 'Search']);
    const after = await goosuke.extensions.resolve('github');
    expect(after).toMatchObject({ cwd: '/srv/github', alwaysOn: true, enabled: false });
    expect((await goosuke.extensions.reveal(after.id)).env.SLACK_BOT_TOKEN).toBe('xoxb-set-in-goosuke');
    expect((await goosuke.extensions.reveal(search.id)).headers).toEqual({
      'X-Team': 'widgets',
      Authorization: 'Bearer from-the-goose-file-77',
      'X-Api-Key': 'goosuke-only-key',
    });
    expect((await goosuke.extensions.resolve('Search')).headers.map((header) => header.secret)).toEqual([
      true,
      true,
      true,
    ]);
  });

  it('does not bring back a deleted extension unless asked to, and forgets the deletion once it is added again', async () => {
    const { goosuke, store } = await compose();
    await goosuke.extensions.importFromGoose({ extensions: gooseExtensions() });
    const github = await goosuke.extensions.resolve('github');
    await goosuke.extensions.delete(github.id);
    expect(await store.extensions.getDeletion('github')).toEqual({
      name: 'github',
      deletedAt: '2026-01-02T03:04:05.000Z',
    });

    const kept = await goosuke.extensions.importFromGoose({ extensions: gooseExtensions() });
    expect(kept.added).toEqual([]);
    expect(kept.skipped.find((item) => item.key === 'github')).toMatchObject({
      reason: 'deleted',
      message: expect.stringMatching(/deleted in Goosuke .*restoreDeleted/),
    });
    await expect(goosuke.extensions.resolve('github')).rejects.toMatchObject({ code: 'not_found' });

    const restored = await goosuke.extensions.importFromGoose({
      extensions: gooseExtensions(),
      restoreDeleted: true,
    });
    expect(restored.added.map((item) => item.name)).toEqual(['github']);
    expect(await store.extensions.getDeletion('github')).toBeNull();

    // Added by hand, a deleted name is forgotten too; renamed away, the old name is recorded.
    const events = await goosuke.extensions.resolve('events');
    await goosuke.extensions.delete(events.id);
    await goosuke.extensions.create({ name: 'events', type: 'sse', uri: 'http://127.0.0.1:8000/sse' });
    expect(await store.extensions.getDeletion('events')).toBeNull();
    const search = await goosuke.extensions.resolve('Search');
    await goosuke.extensions.update(search.id, { name: 'web-search' });
    expect(await store.extensions.getDeletion('Search')).not.toBeNull();
    const renamed = await goosuke.extensions.importFromGoose({ extensions: gooseExtensions() });
    expect(renamed.skipped.find((item) => item.key === 'search')?.reason).toBe('deleted');
  });

  it('refuses input that is not a mapping of entries', async () => {
    const { goosuke } = await compose();
    await expect(
      goosuke.extensions.importFromGoose({ extensions: ['a list'] as unknown as Record<string, unknown> }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });
});

describe('exporting to Goose', () => {
  const envSecret = 'ghp_only-in-goosuke-never-in-the-file-41';
  const headerSecret = 'Bearer only-in-goosuke-never-in-the-file-42';

  async function withExtensions() {
    const composed = await compose();
    const { goosuke } = composed;
    await goosuke.extensions.create({
      name: 'GitHub Tools',
      description: 'Issues',
      type: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-github'],
      cwd: '/srv/github',
      env: [
        { name: 'LOG_LEVEL', value: 'info' },
        { name: 'GITHUB_TOKEN', value: envSecret, secret: true },
      ],
      timeoutSeconds: 90,
    });
    await goosuke.extensions.create({
      name: 'search',
      type: 'streamable_http',
      uri: 'https://mcp.example.test/mcp',
      headers: [
        { name: 'X-Team', value: 'widgets' },
        { name: 'Authorization', value: headerSecret, secret: true },
      ],
      enabled: false,
    });
    return composed;
  }

  it('writes new entries in Goose’s format, secret variables as env_keys, never a secret value', async () => {
    const { goosuke } = await withExtensions();
    const plan = await goosuke.extensions.exportToGoose();
    expect(JSON.stringify(plan)).not.toContain(envSecret);
    expect(JSON.stringify(plan)).not.toContain(headerSecret);
    expect(plan.edits).toEqual([
      {
        key: 'githubtools',
        create: true,
        set: {
          enabled: true,
          type: 'stdio',
          name: 'GitHub Tools',
          description: 'Issues',
          cmd: 'npx',
          args: ['-y', '@modelcontextprotocol/server-github'],
          envs: { LOG_LEVEL: 'info' },
          env_keys: ['GITHUB_TOKEN'],
          timeout: 90,
        },
        remove: [],
      },
      {
        key: 'search',
        create: true,
        set: {
          enabled: false,
          type: 'streamable_http',
          name: 'search',
          description: '',
          uri: 'https://mcp.example.test/mcp',
          headers: { 'X-Team': 'widgets' },
          timeout: 60,
        },
        remove: [],
      },
    ]);
    expect(plan.report.written.map((item) => [item.key, item.change, item.skippedFields])).toEqual([
      ['githubtools', 'added', [{ field: 'cwd', reason: expect.stringMatching(/no working directory/) }]],
      ['search', 'added', [{ field: 'headers.Authorization', reason: expect.stringMatching(/not written/) }]],
    ]);
    expect(plan.report.skipped).toEqual([]);
  });

  it('updates the entry of the same name in place, changing only what differs, and leaves secrets the file holds', async () => {
    const { goosuke } = await withExtensions();
    const file = {
      gh: {
        enabled: true,
        type: 'stdio',
        name: 'GitHub Tools',
        description: 'Issues',
        cmd: 'npx',
        args: ['-y', '@modelcontextprotocol/server-github'],
        envs: { LOG_LEVEL: 'debug', GITHUB_TOKEN: 'the-file-s-own-value', STALE: 'x' },
        timeout: 90,
        available_tools: ['create_issue'],
        uri: 'https://left.over',
      },
      search: {
        enabled: true,
        type: 'streamable_http',
        name: 'search',
        uri: 'https://mcp.example.test/mcp',
        headers: { 'x-team': 'widgets', authorization: 'Bearer the-file-s-own' },
        timeout: 60,
      },
      other: { enabled: true, type: 'stdio', name: 'other', cmd: 'x', args: [] },
    };
    const plan = await goosuke.extensions.exportToGoose({ extensions: file });
    expect(plan.edits).toEqual([
      {
        key: 'gh',
        create: false,
        set: { envs: { LOG_LEVEL: 'info', GITHUB_TOKEN: 'the-file-s-own-value' } },
        remove: ['uri'],
      },
      { key: 'search', create: false, set: { enabled: false }, remove: [] },
    ]);
    expect(plan.report.written.map((item) => [item.key, item.change, item.fields])).toEqual([
      ['gh', 'updated', ['envs', 'uri']],
      ['search', 'updated', ['enabled']],
    ]);
    expect(plan.report.written[1]!.skippedFields).toEqual([
      { field: 'headers.Authorization', reason: expect.stringMatching(/left as it is/) },
    ]);
  });

  it('skips an extension whose key or name the file gives to another, and Goosuke’s builtins', async () => {
    const { goosuke, store } = await withExtensions();
    await store.extensions.insert(
      buildExtension({ id: 'extension_builtin', name: 'discord', type: 'builtin', command: 'discord' }),
    );
    await goosuke.extensions.create({ name: 'developer', type: 'stdio', command: 'dev-mcp' });
    const file = {
      githubtools: { enabled: true, type: 'stdio', name: 'Someone Else', cmd: 'x', args: [] },
      developer: { enabled: true, type: 'builtin', name: 'developer' },
    };
    const plan = await goosuke.extensions.exportToGoose({ extensions: file });
    expect(plan.report.skipped.map((item) => [item.name, item.reason]).sort()).toEqual([
      ['GitHub Tools', 'conflict'],
      ['developer', 'conflict'],
      ['discord', 'builtin'],
    ]);
    expect(plan.report.skipped.find((item) => item.name === 'developer')?.message).toMatch(
      /Goose builtin extension/,
    );
    expect(plan.edits.map((edit) => edit.key)).toEqual(['search']);
  });

  it('makes no edit to the entries it imported: a round trip changes nothing', async () => {
    const { goosuke } = await compose();
    await goosuke.extensions.importFromGoose({ extensions: gooseExtensions() });
    const plan = await goosuke.extensions.exportToGoose({ extensions: gooseExtensions() });
    expect(plan.edits).toEqual([]);
    expect(plan.report.written.map((item) => [item.key, item.change])).toEqual([
      ['github', 'unchanged'],
      ['events', 'unchanged'],
      ['search', 'unchanged'],
    ]);
  });

  it('keys entries as Goose does: whitespace removed, lower-cased', () => {
    expect(gooseKeyOf('My  GitHub\tTools')).toBe('mygithubtools');
  });
});
