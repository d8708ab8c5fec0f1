import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createGoosuke, createWebCryptoSecretBox, type Goosuke } from '@goosuke/core';
import { createFixedClock, createMemoryStore, createSequentialIdGenerator } from '@goosuke/core/testing';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { exportGooseConfig, importGooseConfig, parseGooseConfig } from '../src/goose-config-yaml.ts';

// The YAML side of the Goose sync on a realistic config.yaml (comments, Goose's own settings,
// a builtin and a platform extension, stdio with envs and env_keys, SSE, streamable HTTP with
// headers, fields nobody knows), through a real Goosuke.
const fixture = path.join(import.meta.dirname, 'fixtures', 'goose-config.yaml');
const envSecret = 'ghp_set-in-goosuke-only-never-in-a-file-5150';
const headerSecret = 'Bearer set-in-goosuke-only-never-in-a-file-6160';

async function compose(): Promise<Goosuke> {
  return createGoosuke({
    store: createMemoryStore(),
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-goose-yaml-tests-0123' }),
    clock: createFixedClock('2026-01-02T03:04:05.000Z'),
    ids: createSequentialIdGenerator(),
  });
}

describe('Goose config.yaml', () => {
  it('imports the extensions Goosuke can run and leaves Goose’s own', async () => {
    const goosuke = await compose();
    const report = await importGooseConfig(goosuke.extensions, await readFile(fixture, 'utf8'));
    expect(report.added.map((item) => item.name)).toEqual(['github', 'events', 'search']);
    expect(report.skipped.map((item) => [item.name, item.reason])).toEqual([
      ['developer', 'unsupported_type'],
      ['todo', 'unsupported_type'],
    ]);
    expect(report.added[0]!.secretsWithoutValue).toEqual(['GITHUB_PERSONAL_ACCESS_TOKEN']);
  });

  it('round trip: exported into the file it came from, the file stays exactly as it was', async () => {
    const goosuke = await compose();
    const source = await readFile(fixture, 'utf8');
    await importGooseConfig(goosuke.extensions, source);
    const { config, report } = await exportGooseConfig(goosuke.extensions, source);
    expect(config).toBe(source);
    expect(report.written.map((item) => [item.key, item.change])).toEqual([
      ['github', 'unchanged'],
      ['events', 'unchanged'],
      ['search', 'unchanged'],
    ]);
  });

  it('writes changes in place and new extensions after the others, keeping every comment, key and unknown field, never a secret value', async () => {
    const goosuke = await compose();
    const source = await readFile(fixture, 'utf8');
    await importGooseConfig(goosuke.extensions, source);
    const github = await goosuke.extensions.resolve('github');
    await goosuke.extensions.update(github.id, {
      description: 'GitHub, from Goosuke',
      // The env_keys secret gets its value in Goosuke: it must still reach the file as a name only.
      env: [
        { name: 'LOG_LEVEL', value: 'debug' },
        { name: 'GITHUB_PERSONAL_ACCESS_TOKEN', value: envSecret, secret: true },
      ],
    });
    await goosuke.extensions.create({
      name: 'Fetch Pages',
      type: 'stdio',
      command: 'uvx',
      args: ['mcp-server-fetch'],
      env: [{ name: 'FETCH_TOKEN', value: envSecret, secret: true }],
      timeoutSeconds: 30,
    });
    await goosuke.extensions.create({
      name: 'remote',
      type: 'streamable_http',
      uri: 'https://remote.example.test/mcp',
      headers: [{ name: 'Authorization', value: headerSecret, secret: true }],
    });

    const { config, report } = await exportGooseConfig(goosuke.extensions, source);
    expect(config).not.toContain(envSecret);
    expect(config).not.toContain(headerSecret);
    expect(config).toBe(
      source
        .replace('description: GitHub issues and pull requests', 'description: GitHub, from Goosuke')
        .replace(
          '    type: platform\n',
          [
            '    type: platform',
            '  fetchpages:',
            '    enabled: true',
            '    type: stdio',
            '    name: Fetch Pages',
            '    description: ""',
            '    cmd: uvx',
            '    args:',
            '    - mcp-server-fetch',
            '    env_keys:',
            '    - FETCH_TOKEN',
            '    timeout: 30',
            '  remote:',
            '    enabled: true',
            '    type: streamable_http',
            '    name: remote',
            '    description: ""',
            '    uri: https://remote.example.test/mcp',
            '    timeout: 60',
            '',
          ].join('\n'),
        ),
    );
    expect(report.written.map((item) => [item.key, item.change, item.fields])).toEqual([
      ['github', 'updated', ['description']],
      ['events', 'unchanged', []],
      ['search', 'unchanged', []],
      [
        'fetchpages',
        'added',
        ['enabled', 'type', 'name', 'description', 'cmd', 'args', 'env_keys', 'timeout'],
      ],
      ['remote', 'added', ['enabled', 'type', 'name', 'description', 'uri', 'timeout']],
    ]);
    expect(report.written[4]!.skippedFields).toEqual([
      { field: 'headers.Authorization', reason: expect.stringMatching(/no secret store for headers/) },
    ]);
    // What Goose reads back: the same settings and its own extensions, untouched.
    const read = parse(config) as Record<string, Record<string, unknown>>;
    expect(read.GOOSE_MODE).toBe('smart_approve');
    expect(read.extensions!.todo).toEqual((parse(source) as typeof read).extensions!.todo);
  });

  it('changes only the items that differ inside lists and envs, and follows the file’s indentation of lists', async () => {
    const goosuke = await compose();
    const source = [
      'extensions:',
      '  tools:',
      '    name: tools',
      '    type: stdio',
      '    enabled: true',
      '    cmd: tools-mcp',
      '    args:',
      '      - --stdio # keep this comment',
      '    envs:',
      '      A: "1" # first',
      '      B: two',
      '    timeout: 300',
      '',
    ].join('\n');
    await importGooseConfig(goosuke.extensions, source);
    const tools = await goosuke.extensions.resolve('tools');
    await goosuke.extensions.update(tools.id, {
      args: ['--stdio', '--verbose'],
      env: [
        { name: 'A', value: '1' },
        { name: 'C', value: 'three' },
      ],
    });
    const { config } = await exportGooseConfig(goosuke.extensions, source);
    expect(config).toBe(
      [
        'extensions:',
        '  tools:',
        '    name: tools',
        '    type: stdio',
        '    enabled: true',
        '    cmd: tools-mcp',
        '    args:',
        '      - --stdio # keep this comment',
        '      - --verbose',
        '    envs:',
        '      A: "1" # first',
        '      C: three',
        '    timeout: 300',
        '',
      ].join('\n'),
    );
  });

  it('writes a new file, or into one without extensions', async () => {
    const goosuke = await compose();
    await goosuke.extensions.create({
      name: 'fetch',
      type: 'stdio',
      command: 'uvx',
      args: ['mcp-server-fetch'],
    });
    const fresh = await exportGooseConfig(goosuke.extensions);
    expect(parse(fresh.config)).toEqual({
      extensions: {
        fetch: {
          enabled: true,
          type: 'stdio',
          name: 'fetch',
          description: '',
          cmd: 'uvx',
          args: ['mcp-server-fetch'],
          timeout: 60,
        },
      },
    });
    const settingsOnly = '# mine\nGOOSE_PROVIDER: openai\nextensions: {}\n';
    const written = await exportGooseConfig(goosuke.extensions, settingsOnly);
    expect(written.config.startsWith('# mine\nGOOSE_PROVIDER: openai\nextensions:\n  fetch:\n')).toBe(true);
  });

  it('refuses text that is not a Goose config, saying where', () => {
    expect(() => parseGooseConfig('extensions:\n  a:\n    name: a\n   bad: [1, 2\n')).toThrow(
      /not valid YAML at line 4, column 1/,
    );
    expect(() => parseGooseConfig('a: 1\na: 2\n')).toThrow(/line 2, column 1: Map keys must be unique/);
    expect(() => parseGooseConfig('- a list\n')).toThrow(/must be a mapping/);
    expect(() => parseGooseConfig('GOOSE_MODE: auto\nextensions:\n  - a\n')).toThrow(
      /extensions \(line 3\) must be a mapping/,
    );
    expect(parseGooseConfig('').extensions).toEqual({});
    expect(parseGooseConfig('# nothing yet\n').extensions).toEqual({});
  });
});
