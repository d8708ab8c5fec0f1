import { chmod, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createAcpAgentHost } from '@goosuke/acp';
import {
  type AgentDefinition,
  type AgentRunRequest,
  type AgentSpec,
  builtInAgentOf,
  type ModelProfile,
} from '@goosuke/core';
import { parse as parseToml } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dataOf,
  type EmittedEvent,
  fakeAgentPath,
  inputFor,
  killLeftovers,
  makeScratch,
  missingNote,
  processesUnder,
  type Scratch,
  sandboxed,
  summaryOf,
} from './support.ts';

const claudeShapedAgentPath = path.join(import.meta.dirname, 'fixtures', 'claude-shaped-agent.mjs');

const builtIn = (name: string): AgentSpec => ({ kind: 'built-in', agent: builtInAgentOf(name)! });
const definition = (overrides: Partial<AgentDefinition> = {}): AgentDefinition => ({
  id: 'agent-1',
  name: 'fake-agent',
  command: process.execPath,
  args: [fakeAgentPath],
  wire: 'openai-responses',
  sessionMode: 'autoEdit',
  description: null,
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
  ...overrides,
});
const custom = (overrides: Partial<AgentDefinition> = {}): AgentSpec => ({
  kind: 'custom',
  definition: definition(overrides),
});
const profile: ModelProfile = {
  id: 'profile-1',
  provider: 'openai',
  modelName: 'gpt-test',
  displayName: 'GPT test',
  baseUrl: null,
  hasApiKey: true,
  capabilities: {},
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};
const token = 'gw-token-e2e-4711';
const request = (spec: AgentSpec, port: number, extra: Partial<AgentRunRequest> = {}): AgentRunRequest => ({
  runId: 'run-1',
  taskId: 'task-1',
  spec,
  profile,
  gateway: { baseUrl: `http://127.0.0.1:${port}`, token },
  allowShell: false,
  ...extra,
});

let dir: string;
let scratch: Scratch;
let runs: EmittedEvent[][] = [];
beforeEach(async () => {
  dir = await realpath(await mkdtemp(path.join(tmpdir(), 'goosuke-host-')));
  scratch = await makeScratch();
});
afterEach(async (context) => {
  if (context.task.result?.state === 'fail') killLeftovers(runs.flat(), await processesUnder(scratch.root));
  runs = [];
  await scratch.cleanup();
  await rm(dir, { recursive: true, force: true });
});
/** The JSON file `name` the agent wrote in the working copy. */
const jsonIn = async (name: string): Promise<unknown> => {
  const text = await scratch.workspace.readFile(name);
  if (text === null) throw new Error(`the agent wrote no ${name}`);
  return JSON.parse(text);
};
const runInput = (...args: Parameters<typeof inputFor>) => {
  const made = inputFor(...args);
  runs.push(made.events);
  return made;
};

/** Writes `files` (path relative to `dir` → content) and returns their absolute paths. */
async function tree(files: Record<string, string>, executable: readonly string[] = []): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), content);
  }
  for (const file of executable) await chmod(path.join(dir, file), 0o755);
}

/** A fake npm package `name` under `root/node_modules`, whose bin `binName` → `binPath` runs `body`. */
async function npmPackage(
  root: string,
  name: string,
  version: string,
  bin: { name: string; path: string; body: string } | null,
): Promise<string> {
  const pkg = path.join(root, 'node_modules', name);
  await tree({
    [path.join(pkg, 'package.json')]: JSON.stringify({
      name,
      version,
      type: 'module',
      ...(bin === null ? {} : { bin: { [bin.name]: bin.path } }),
    }),
    ...(bin === null ? {} : { [path.join(pkg, bin.path)]: bin.body }),
  });
  return path.join(dir, pkg);
}

describe('inspect', () => {
  it('finds an npm agent from a nodeModules directory, with its package version', async () => {
    const pkg = await npmPackage('project', '@google/gemini-cli', '0.61.0', {
      name: 'gemini',
      path: 'bundle/gemini.js',
      body: '',
    });
    const host = createAcpAgentHost({ nodeModules: [path.join(dir, 'project')], searchPath: '' });
    expect(await host.inspect(builtIn('gemini-cli'))).toEqual({
      installed: true,
      path: path.join(pkg, 'bundle/gemini.js'),
      version: '0.61.0',
      problem: null,
    });
    // A node_modules directory itself works too, and so does a directory below the project.
    const fromModules = createAcpAgentHost({
      nodeModules: [path.join(dir, 'project/node_modules')],
      searchPath: '',
    });
    expect((await fromModules.inspect(builtIn('gemini'))).installed).toBe(true);
    await mkdir(path.join(dir, 'project/src/deep'), { recursive: true });
    const fromBelow = createAcpAgentHost({
      nodeModules: [path.join(dir, 'project/src/deep')],
      searchPath: '',
    });
    expect((await fromBelow.inspect(builtIn('gemini'))).version).toBe('0.61.0');
  });

  it('prefers Codex’s native platform binary to its npm wrapper', async () => {
    await npmPackage('project', '@zed-industries/codex-acp', '0.16.0', {
      name: 'codex-acp',
      path: 'bin/codex-acp.js',
      body: '',
    });
    const host = () => createAcpAgentHost({ nodeModules: [path.join(dir, 'project')], searchPath: '' });
    // Without the platform package, the wrapper (run with Node).
    expect(await host().inspect(builtIn('codex'))).toEqual({
      installed: true,
      path: path.join(dir, 'project/node_modules/@zed-industries/codex-acp/bin/codex-acp.js'),
      version: '0.16.0',
      problem: null,
    });
    const native = `project/node_modules/@zed-industries/codex-acp-${process.platform}-${process.arch}`;
    await tree(
      {
        [`${native}/package.json`]: JSON.stringify({
          name: `@zed-industries/codex-acp-${process.platform}-${process.arch}`,
          version: '0.16.0',
        }),
        [`${native}/bin/codex-acp`]: '#!/bin/sh\nexit 0\n',
      },
      [`${native}/bin/codex-acp`],
    );
    expect(await host().inspect(builtIn('codex'))).toEqual({
      installed: true,
      path: path.join(dir, native, 'bin/codex-acp'),
      version: '0.16.0',
      problem: null,
    });
  });

  it('finds a binary on the search PATH and asks it its version', async () => {
    await tree({ 'bin/goose': '#!/bin/sh\necho "goose 1.9.3 (abc123)"\n', 'empty/.keep': '' }, ['bin/goose']);
    const host = createAcpAgentHost({ searchPath: `relative/bin:${dir}/empty:${dir}/bin`, nodeModules: [] });
    expect(await host.inspect(builtIn('goose'))).toEqual({
      installed: true,
      path: path.join(dir, 'bin/goose'),
      version: '1.9.3',
      problem: null,
    });
  });

  it('takes a command on PATH that belongs to the agent’s npm package (a global install) as that package', async () => {
    const pkg = await npmPackage('prefix/lib', '@zed-industries/claude-code-acp', '0.16.2', {
      name: 'claude-code-acp',
      path: 'dist/index.js',
      body: '',
    });
    await mkdir(path.join(dir, 'prefix/bin'));
    await chmod(path.join(pkg, 'dist/index.js'), 0o755);
    await symlink(path.join(pkg, 'dist/index.js'), path.join(dir, 'prefix/bin/claude-code-acp'));
    const host = createAcpAgentHost({ searchPath: path.join(dir, 'prefix/bin'), nodeModules: [] });
    expect(await host.inspect(builtIn('claude-code'))).toEqual({
      installed: true,
      path: path.join(pkg, 'dist/index.js'),
      version: '0.16.2',
      problem: null,
    });
  });

  it('uses an explicit path, and says what is wrong with it', async () => {
    await tree({ 'opt/goose': '#!/bin/sh\necho 2.0.0\n', 'opt/not-exec': '' }, ['opt/goose']);
    const host = createAcpAgentHost({
      executables: {
        goose: path.join(dir, 'opt/goose'),
        gemini: path.join(dir, 'opt/missing.js'),
        codex: path.join(dir, 'opt/not-exec'),
      },
      searchPath: '',
      nodeModules: [],
    });
    expect(await host.inspect(builtIn('goose'))).toMatchObject({ installed: true, version: '2.0.0' });
    const gemini = await host.inspect(builtIn('gemini'));
    expect(gemini).toMatchObject({ installed: false, path: null, version: null });
    expect(gemini.problem).toContain('does not exist');
    expect(gemini.problem).toContain('npm install -g @google/gemini-cli');
    expect((await host.inspect(builtIn('codex'))).problem).toContain('is not executable');
  });

  it('reports a missing agent with how to install it, and never rejects', async () => {
    const host = createAcpAgentHost({ searchPath: path.join(dir, 'nothing'), nodeModules: [dir] });
    for (const name of ['claude-code', 'codex', 'gemini', 'goose']) {
      const installation = await host.inspect(builtIn(name));
      expect(installation).toMatchObject({ installed: false, path: null, version: null });
      expect(installation.problem).toContain(builtInAgentOf(name)!.install);
    }
  });

  it('gives up on a version that does not come in time, and still reports the agent', async () => {
    await tree({ 'bin/goose': '#!/bin/sh\nexec sleep 30\n' }, ['bin/goose']);
    const host = createAcpAgentHost({
      searchPath: path.join(dir, 'bin'),
      nodeModules: [],
      versionTimeoutMs: 200,
    });
    const started = Date.now();
    expect(await host.inspect(builtIn('goose'))).toEqual({
      installed: true,
      path: path.join(dir, 'bin/goose'),
      version: null,
      problem: null,
    });
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('caches answers until refresh()', async () => {
    const pkg = await npmPackage('project', '@google/gemini-cli', '0.61.0', {
      name: 'gemini',
      path: 'g.js',
      body: '',
    });
    const host = createAcpAgentHost({ nodeModules: [path.join(dir, 'project')], searchPath: '' });
    expect((await host.inspect(builtIn('gemini'))).installed).toBe(true);
    await rm(pkg, { recursive: true });
    expect((await host.inspect(builtIn('gemini'))).installed).toBe(true);
    host.refresh();
    expect((await host.inspect(builtIn('gemini'))).installed).toBe(false);
    // A miss is not kept: installed afterwards, the agent is found without a refresh.
    await npmPackage('project', '@google/gemini-cli', '0.62.0', { name: 'gemini', path: 'g.js', body: '' });
    expect(await host.inspect(builtIn('gemini'))).toMatchObject({ installed: true, version: '0.62.0' });
  });

  it('says what is wrong with a broken package', async () => {
    await npmPackage('project', '@google/gemini-cli', '0.61.0', null);
    const host = createAcpAgentHost({ nodeModules: [path.join(dir, 'project')], searchPath: '' });
    const installation = await host.inspect(builtIn('gemini'));
    expect(installation.installed).toBe(false);
    expect(installation.problem).toContain('declares no bin gemini');
    expect(installation.problem).toContain('npm install -g @google/gemini-cli');
  });

  it('finds a custom agent’s command as an absolute path or on the agent’s own PATH', async () => {
    const host = createAcpAgentHost();
    expect(await host.inspect(custom())).toEqual({
      installed: true,
      path: process.execPath,
      version: null,
      problem: null,
    });
    // `sh` is in /usr/bin or /bin, which every agent's PATH ends with.
    expect((await host.inspect(custom({ command: 'sh' }))).installed).toBe(true);
    const missing = await host.inspect(custom({ command: 'no-such-agent-4711' }));
    expect(missing.installed).toBe(false);
    expect(missing.problem).toContain('no-such-agent-4711 was not found');
  });
});

describe('create', () => {
  it('refuses a gateway that is not http on 127.0.0.1, at once', () => {
    const host = createAcpAgentHost();
    expect(() =>
      host.create({ ...request(custom(), 1), gateway: { baseUrl: 'https://api.openai.com/v1', token } }),
    ).toThrow('is not http');
  });

  it.each<[string, Parameters<typeof createAcpAgentHost>[0], RegExp]>([
    ['a relative hostHome', { hostHome: 'home/u' }, /hostHome must be an absolute path/],
    ['hiding /', { hiddenPaths: ['/'] }, /hiddenPaths cannot hide \//],
    ['a relative hidden path', { hiddenPaths: ['data'] }, /hiddenPaths must be an absolute path/],
    ['a relative visible path', { visiblePaths: ['opt'] }, /visiblePaths must be an absolute path/],
    ['a non-boolean hideHostHome', { hideHostHome: 'yes' as never }, /hideHostHome must be a boolean/],
    [
      'hiding options with a sandbox of its own',
      {
        sandbox: { name: 'own', available: async () => ({ available: true, version: '1' }) } as never,
        hiddenPaths: ['/srv/goosuke'],
        hideHostHome: false,
      },
      /hiddenPaths, hideHostHome configure the host's default sandbox/,
    ],
  ])('refuses %s with InvalidInputError', (_, options, message) => {
    expect(() => createAcpAgentHost(options)).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringMatching(message) }),
    );
  });

  it('gives an agent that is not installed a run that fails at once, saying how to install it', async () => {
    const host = createAcpAgentHost({ searchPath: '', nodeModules: [dir] });
    const { input, events } = runInput('EDIT', scratch.workspace);
    const outcome = await host.create(request(builtIn('claude-code'), 4000)).run(input);
    expect(outcome.status).toBe('failed');
    expect(outcome.status === 'failed' && outcome.reason).toContain(
      'the agent claude-code cannot run on this host: Claude Code was not found',
    );
    expect(outcome.status === 'failed' && outcome.reason).toContain(
      'npm install -g @zed-industries/claude-code-acp',
    );
    expect(dataOf(events, 'agent_missing')).toEqual([
      expect.objectContaining({ kind: 'agent_missing', agent: 'claude-code' }),
    ]);
  });
});

sandboxed(`runs in the bubblewrap sandbox${missingNote}`, () => {
  // Provider keys and a server secret in this process's environment: none may reach an agent.
  const planted = {
    OPENAI_API_KEY: 'sk-real-provider-key',
    ANTHROPIC_API_KEY: 'sk-ant-real',
    GOOSUKE_SECRET: 'server-secret',
  };
  const saved: Record<string, string | undefined> = {};
  let gateway: Server;
  let other: Server;
  let gatewayPort: number;
  let otherPort: number;
  const listen = async (server: Server) => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return (server.address() as { port: number }).port;
  };
  beforeEach(async () => {
    for (const [name, value] of Object.entries(planted)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    gateway = createServer((_, response) => response.end('gateway'));
    other = createServer((_, response) => response.end('other'));
    gatewayPort = await listen(gateway);
    otherPort = await listen(other);
  });
  afterEach(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await new Promise((resolve) => gateway.close(resolve));
    await new Promise((resolve) => other.close(resolve));
  });

  it('gives a custom agent the allowlisted environment only: the gateway token, no provider key, no secret', async () => {
    const host = createAcpAgentHost();
    const { input, events } = runInput('ENV MODE', scratch.workspace);
    const outcome = await host.create(request(custom(), gatewayPort)).run(input);
    expect(outcome.status).toBe('succeeded');
    expect(summaryOf(outcome)).toContain('mode=autoEdit');
    // Sandboxed (an unconfined run records `sandboxed: false`), with the gateway's port let through.
    const [sandbox] = dataOf(events, 'sandbox');
    expect(sandbox).toMatchObject({
      kind: 'sandbox',
      network: 'loopback-ports',
      allowLoopbackPorts: [gatewayPort],
    });
    expect(sandbox?.sandboxed).not.toBe(false);

    const env = (await jsonIn('env.json')) as Record<string, string>;
    const gatewayUrl = `http://127.0.0.1:${gatewayPort}`;
    expect(env).toMatchObject({
      PATH: `${path.dirname(process.execPath)}:/usr/bin:/bin`,
      LANG: 'C.UTF-8',
      GOOSUKE_MODEL_BASE_URL: gatewayUrl,
      GOOSUKE_MODEL_TOKEN: token,
      GOOSUKE_MODEL: 'gpt-test',
      GOOSUKE_MODEL_WIRE: 'openai-responses',
      OPENAI_BASE_URL: `${gatewayUrl}/v1`,
      OPENAI_API_KEY: token,
    });
    const allowlist = [
      'PATH',
      'LANG',
      'GOOSUKE_MODEL_BASE_URL',
      'GOOSUKE_MODEL_TOKEN',
      'GOOSUKE_MODEL',
      'GOOSUKE_MODEL_WIRE',
      'OPENAI_BASE_URL',
      'OPENAI_API_KEY',
    ];
    // Beside the allowlist, only what the sandbox sets itself (HOME, TMPDIR, PWD).
    expect(
      Object.keys(env)
        .filter((name) => !allowlist.includes(name))
        .sort(),
    ).toEqual(['HOME', 'PWD', 'TMPDIR']);
    for (const value of Object.values(planted)) expect(JSON.stringify(env)).not.toContain(value);
    // What is recorded of the run never shows the token.
    expect(JSON.stringify(events)).not.toContain(token);
  });

  it('lets the agent reach the gateway’s loopback port and nothing else', async () => {
    const host = createAcpAgentHost();
    const reach = async (port: number) => {
      const { input } = runInput(`NET=${port}`, scratch.workspace);
      const outcome = await host.create(request(custom(), gatewayPort)).run(input);
      expect(outcome.status).toBe('succeeded');
      return /net=(\S+)/.exec(summaryOf(outcome))?.[1];
    };
    expect(await reach(gatewayPort)).toBe('connected');
    expect(await reach(otherPort)).not.toBe('connected');
  });

  it('runs a built-in recipe end to end: Gemini CLI’s command line, home files and session mode', async () => {
    // A fake @google/gemini-cli whose bin is the fake ACP agent.
    await npmPackage('project', '@google/gemini-cli', '0.61.0', {
      name: 'gemini',
      path: 'bundle/gemini.js',
      // Records its command line in the working copy (its cwd), then is the fake ACP agent.
      body: [
        "import { writeFileSync } from 'node:fs';",
        "writeFileSync('argv.json', JSON.stringify([process.execPath, ...process.argv.slice(1)]));",
        `await import(${JSON.stringify(fakeAgentPath)});`,
      ].join('\n'),
    });
    const homesDir = path.join(dir, 'homes');
    const host = createAcpAgentHost({ nodeModules: [path.join(dir, 'project')], searchPath: '', homesDir });
    const { input } = runInput('ENV MODE WHOAMI', scratch.workspace);
    const outcome = await host
      .create(request(builtIn('gemini-cli'), gatewayPort, { taskId: 'task-7' }))
      .run(input);
    expect(outcome.status).toBe('succeeded');
    expect(summaryOf(outcome)).toContain('mode=autoEdit');
    expect(await jsonIn('argv.json')).toEqual([
      process.execPath,
      path.join(dir, 'project/node_modules/@google/gemini-cli/bundle/gemini.js'),
      '--acp',
      '-m',
      'gpt-test',
    ]);

    const env = (await jsonIn('env.json')) as Record<string, string>;
    expect(env).toMatchObject({
      GEMINI_API_KEY: token,
      GOOGLE_GEMINI_BASE_URL: `http://127.0.0.1:${gatewayPort}`,
      GEMINI_CLI_NO_RELAUNCH: 'true',
      HOME: path.join(homesDir, 'task-7', 'gemini'),
    });
    for (const value of Object.values(planted)) expect(JSON.stringify(env)).not.toContain(value);
    const settings = JSON.parse(
      await readFile(path.join(homesDir, 'task-7/gemini/.gemini/settings.json'), 'utf8'),
    );
    expect(settings.security.auth.selectedType).toBe('gemini-api-key');
  });

  it('runs Codex’s recipe end to end: its native binary, CODEX_HOME in the kept home, config.toml', async () => {
    await npmPackage('project', '@zed-industries/codex-acp', '0.16.0', {
      name: 'codex-acp',
      path: 'bin/codex-acp.js',
      body: '',
    });
    const native = `project/node_modules/@zed-industries/codex-acp-${process.platform}-${process.arch}`;
    await tree(
      {
        [`${native}/package.json`]: JSON.stringify({
          name: `@zed-industries/codex-acp-${process.platform}-${process.arch}`,
        }),
        // Found by name on the agent's PATH, whose first directory is this Node's.
        [`${native}/bin/codex-acp`]: `#!/bin/sh\nexec node ${JSON.stringify(fakeAgentPath)}\n`,
      },
      [`${native}/bin/codex-acp`],
    );
    const homesDir = path.join(dir, 'homes');
    const host = createAcpAgentHost({ nodeModules: [path.join(dir, 'project')], searchPath: '', homesDir });
    const { input } = runInput('ENV MODE', scratch.workspace);
    const outcome = await host
      .create(request(builtIn('codex'), gatewayPort, { taskId: 'task/../9' }))
      .run(input);
    expect(outcome.status).toBe('succeeded');
    // The fake agent offers no full-access mode: a warning, not a failure.
    expect(outcome.warnings).toEqual([expect.stringContaining('offers no session mode "full-access"')]);

    const env = (await jsonIn('env.json')) as Record<string, string>;
    expect(env.GOOSUKE_GATEWAY_TOKEN).toBe(token);
    // A task id that is not a plain name is hashed into one directory.
    expect(env.CODEX_HOME).toMatch(new RegExp(`^${homesDir}/task-[0-9a-f]{32}/codex/\\.codex$`));
    expect(env.HOME).toBe(path.dirname(env.CODEX_HOME!));
    for (const value of Object.values(planted)) expect(JSON.stringify(env)).not.toContain(value);
    const config = parseToml(await readFile(path.join(env.CODEX_HOME!, 'config.toml'), 'utf8'));
    expect(config).toMatchObject({
      model: 'gpt-test',
      model_provider: 'goosuke',
      model_providers: {
        goosuke: { base_url: `http://127.0.0.1:${gatewayPort}/v1`, env_key: 'GOOSUKE_GATEWAY_TOKEN' },
      },
    });
  });

  it("hides the host's HOME, while Node and an agent installed inside it still run", async () => {
    const hostHome = path.join(dir, 'host-home');
    const secret = path.join(hostHome, '.ssh', 'id_ed25519');
    // Node under the hidden HOME, as nvm puts it (a link to this Node here), and an agent script there.
    const nodeLink = path.join(hostHome, '.nvm/versions/node/v24.0.0/bin/node');
    const script = path.join(hostHome, 'agents/my-agent/agent.mjs');
    const dataDir = path.join(dir, 'data');
    await tree({
      'host-home/.ssh/id_ed25519': 'PRIVATE KEY\n',
      'host-home/agents/my-agent/agent.mjs': `await import(${JSON.stringify(fakeAgentPath)});\n`,
      'data/goosuke.db': 'sealed keys\n',
      'data/.env': 'OPENAI_API_KEY=sk-host\n',
    });
    await mkdir(path.dirname(nodeLink), { recursive: true });
    await symlink(process.execPath, nodeLink);
    const reads = [secret, path.join(dataDir, 'goosuke.db'), path.join(dataDir, '.env')];
    const run = async (
      options: Parameters<typeof createAcpAgentHost>[0],
      overrides: Partial<AgentDefinition> = {},
    ) => {
      const host = createAcpAgentHost({ hostHome, ...options });
      const { input, events } = runInput(`READ=${reads.join(',')}`, scratch.workspace);
      const outcome = await host.create(request(custom(overrides), gatewayPort)).run(input);
      expect(outcome.status).toBe('succeeded');
      return { summary: summaryOf(outcome), report: dataOf(events, 'sandbox')[0] };
    };
    const hidden = `read:${secret}=ENOENT`;

    // A custom agent living outside the hidden HOME: the secret is gone, and so are the hidden data paths.
    const outside = await run({ hiddenPaths: [dataDir, path.join(dataDir, '.env')] });
    expect(outside.summary).toContain(hidden);
    expect(outside.summary).toContain(`read:${path.join(dataDir, 'goosuke.db')}=ENOENT`);
    expect(outside.summary).not.toContain('sk-host');
    expect(outside.report?.hidden).toEqual([
      expect.any(String),
      hostHome,
      dataDir,
      path.join(dataDir, '.env'),
    ]);

    // `node agent.mjs`, both inside the hidden HOME: shown again, read-only, and nothing else of it.
    const inside = await run({ nodePath: nodeLink }, { command: 'node', args: [script] });
    expect(inside.summary).toContain(hidden);
    expect(inside.report?.visible).toEqual(
      expect.arrayContaining([path.join(hostHome, '.nvm/versions/node/v24.0.0'), path.dirname(script)]),
    );
    expect(inside.report?.visible).not.toContain(hostHome);

    // Not hidden when asked so.
    const shown = await run({ hideHostHome: false });
    expect(shown.summary).toContain(`read:${secret}=${JSON.stringify('PRIVATE KEY\n')}`);
    expect(shown.report?.hidden).toEqual([expect.any(String)]);
  });

  it('runs an npm agent installed under the hidden HOME, its node_modules shown again', async () => {
    const hostHome = path.join(dir, 'host-home');
    // A global npm prefix in HOME (`npm config set prefix ~/.npm-global`).
    await npmPackage('host-home/.npm-global/lib', '@google/gemini-cli', '0.61.0', {
      name: 'gemini',
      path: 'bundle/gemini.js',
      body: `await import(${JSON.stringify(fakeAgentPath)});\n`,
    });
    await tree({ 'host-home/.gemini/oauth_creds.json': '{"token":"host-oauth"}\n' });
    const host = createAcpAgentHost({
      hostHome,
      nodeModules: [path.join(dir, 'host-home/.npm-global/lib')],
      searchPath: '',
    });
    const creds = path.join(hostHome, '.gemini/oauth_creds.json');
    const { input, events } = runInput(`READ=${creds}`, scratch.workspace);
    const outcome = await host.create(request(builtIn('gemini'), gatewayPort)).run(input);

    expect(outcome.status).toBe('succeeded');
    expect(summaryOf(outcome)).toContain(`read:${creds}=ENOENT`);
    expect(dataOf(events, 'sandbox')[0]?.visible).toContain(
      path.join(hostHome, '.npm-global/lib/node_modules'),
    );
  });

  it('runs Claude Code’s recipe end to end: its kind-less permission requests are normalised and decided', async () => {
    await npmPackage('project', '@zed-industries/claude-code-acp', '0.16.2', {
      name: 'claude-code-acp',
      path: 'dist/index.js',
      body: `import ${JSON.stringify(claudeShapedAgentPath)};\n`,
    });
    const host = createAcpAgentHost({ nodeModules: [path.join(dir, 'project')], searchPath: '' });
    const decisions = async (allowShell: boolean) => {
      const { input, events } = runInput('go', scratch.workspace);
      const started = Date.now();
      const outcome = await host
        .create(request(builtIn('claude-code'), gatewayPort, { allowShell }))
        .run(input);
      expect(outcome.status).toBe('succeeded');
      // The stop delay: the agent may go on writing after its turn (it exits on its own here only when killed).
      expect(Date.now() - started).toBeGreaterThanOrEqual(1_500);
      expect(dataOf(events, 'permission').map((data) => data.decision)).toHaveLength(5);
      return summaryOf(outcome);
    };
    expect(await decisions(false)).toBe(
      'edit=allow outside=reject bash=reject mcp=reject read=allow mode=acceptEdits argv=',
    );
    expect(await decisions(true)).toBe(
      'edit=allow outside=reject bash=allow mcp=reject read=allow mode=acceptEdits argv=',
    );
  });
});
