// The run's HOME and TMPDIR (homeFiles, homeEnv, a kept home), made by the same code for a
// sandboxed and an unsandboxed run: real processes (the fake agent of fixtures/), real bwrap
// where it is installed.
import { existsSync } from 'node:fs';
import { lstat, mkdir, readFile, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type AcpAgentOptions, createAcpAgent, createBubblewrapSandbox } from '@goosuke/acp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  bwrapMissing,
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

const baseEnv = { LANG: 'C.UTF-8' };
const codexConfig = 'model = "gpt-5.5"\nmodel_provider = "gateway"\n';
const homeOptions = {
  homeFiles: { '.codex/config.toml': codexConfig, '.gemini/settings.json': '{"a":1}\n' },
  homeEnv: { CODEX_HOME: '.codex', GOOSE_PATH_ROOT: '.local/share/goose' },
} satisfies Partial<AcpAgentOptions>;
const unsandboxedAgent = (options: Partial<AcpAgentOptions> = {}) =>
  createAcpAgent({
    command: process.execPath,
    args: [fakeAgentPath],
    env: baseEnv,
    unsafeNoSandbox: true,
    ...options,
  });
const sandboxedAgent = (options: Partial<AcpAgentOptions> = {}) =>
  createAcpAgent({
    command: process.execPath,
    args: [fakeAgentPath],
    env: baseEnv,
    sandbox: createBubblewrapSandbox(),
    ...options,
  });

let scratch: Scratch;
let runs: EmittedEvent[][] = [];
beforeEach(async () => {
  scratch = await makeScratch();
});
afterEach(async (context) => {
  if (context.task.result?.state === 'fail') killLeftovers(runs.flat(), await processesUnder(scratch.root));
  runs = [];
  await scratch.cleanup();
});
const runInput = (...args: Parameters<typeof inputFor>) => {
  const made = inputFor(...args);
  runs.push(made.events);
  return made;
};
const readJson = async (file: string) => JSON.parse((await scratch.workspace.readFile(file)) ?? 'null');
const mode = async (file: string) => (await stat(file)).mode & 0o777;

describe.each([
  ['without a sandbox', unsandboxedAgent, false],
  [`in the bubblewrap sandbox${missingNote}`, sandboxedAgent, bwrapMissing],
])('a fresh private HOME %s', (_, agentWith, skip) => {
  it.skipIf(skip)(
    'holds the homeFiles and homeEnv directories, and is removed with TMPDIR after the run',
    async () => {
      const { input, events } = runInput(
        'ENV WHOAMI READ=~/.codex/config.toml,~/.gemini/settings.json OUTSIDE=~/.codex/written.txt',
        scratch.workspace,
      );
      const outcome = await agentWith(homeOptions).run(input);

      expect(outcome.status).toBe('succeeded');
      expect(summaryOf(outcome)).toContain(`read:~/.codex/config.toml=${JSON.stringify(codexConfig)}`);
      expect(summaryOf(outcome)).toContain('read:~/.gemini/settings.json="{\\"a\\":1}\\n"');
      // The homeEnv directory exists and the agent may write it.
      expect(summaryOf(outcome)).toMatch(/outside-written=\S+\/home\/\.codex\/written\.txt/);
      const env = await readJson('env.json');
      const whoami = await readJson('whoami.json');
      expect(env).toMatchObject({
        ...baseEnv,
        HOME: whoami.home,
        TMPDIR: whoami.tmpdir,
        CODEX_HOME: path.join(whoami.home, '.codex'),
        GOOSE_PATH_ROOT: path.join(whoami.home, '.local/share/goose'),
      });
      expect(whoami).toMatchObject({ homeWrite: 'writable', tmpdirWrite: 'writable' });
      // Private, beside each other, in Goosuke's per-user directory, never this process's own.
      expect(path.dirname(whoami.home)).toBe(path.dirname(whoami.tmpdir));
      expect(path.basename(path.dirname(path.dirname(whoami.home)))).toBe(
        `goosuke-agents-${process.getuid?.()}`,
      );
      expect(whoami.home).not.toBe(process.env.HOME);
      expect(dataOf(events, 'sandbox')[0]).toMatchObject({
        home: whoami.home,
        tmpdir: whoami.tmpdir,
        homeKept: false,
      });
      expect(existsSync(path.dirname(whoami.home))).toBe(false);
    },
  );
});

describe('a kept home', () => {
  let home: string;
  beforeEach(() => {
    home = path.join(scratch.dir, 'task-home', 'agent');
  });

  it.skipIf(bwrapMissing)(
    `is created when missing, kept across runs, and gets its homeFiles rewritten each run${missingNote}`,
    async () => {
      const first = runInput('WHOAMI OUTSIDE=~/.codex/session.jsonl', scratch.workspace);
      const firstOutcome = await sandboxedAgent({ ...homeOptions, home }).run(first.input);
      expect(firstOutcome.status).toBe('succeeded');
      const whoami = await readJson('whoami.json');
      expect(whoami.home).toBe(await realpath(home));
      expect(dataOf(first.events, 'sandbox')[0]).toMatchObject({
        home: whoami.home,
        homeKept: true,
        writable: [scratch.root, whoami.home, whoami.tmpdir],
      });
      // Kept: the agent's session is there for the next run; TMPDIR is not.
      expect(await readFile(path.join(home, '.codex', 'session.jsonl'), 'utf8')).toBe(
        'written from inside\n',
      );
      expect(existsSync(whoami.tmpdir)).toBe(false);
      expect(await mode(home)).toBe(0o700);
      expect(await mode(path.join(home, '.codex'))).toBe(0o700);
      expect(await mode(path.join(home, '.codex', 'config.toml'))).toBe(0o600);

      // The agent changed its config: the next run gets the recipe's again.
      await writeFile(path.join(home, '.codex', 'config.toml'), 'tampered\n');
      const second = runInput('READ=~/.codex/session.jsonl,~/.codex/config.toml', scratch.workspace);
      const secondOutcome = await sandboxedAgent({ ...homeOptions, home }).run(second.input);
      expect(summaryOf(secondOutcome)).toContain('read:~/.codex/session.jsonl="written from inside\\n"');
      expect(summaryOf(secondOutcome)).toContain(`read:~/.codex/config.toml=${JSON.stringify(codexConfig)}`);
      expect(existsSync(path.join(home, '.codex', 'session.jsonl'))).toBe(true);
    },
  );

  it('replaces the links an earlier agent left on the paths Goosuke writes, never following them', async () => {
    // An agent of an earlier run pointed its config file and its CODEX_HOME at files of the host:
    // Goosuke writes homeFiles unconfined, so following them would write outside the home.
    const victims = path.join(scratch.dir, 'victims');
    await mkdir(victims);
    await writeFile(path.join(victims, 'bashrc'), 'the host’s\n');
    await mkdir(path.join(home, '.gemini'), { recursive: true });
    await symlink(path.join(victims, 'bashrc'), path.join(home, '.gemini', 'settings.json'));
    await symlink(victims, path.join(home, '.codex'));

    const { input } = runInput('READ=~/.codex/config.toml', scratch.workspace);
    const outcome = await unsandboxedAgent({ ...homeOptions, home }).run(input);

    expect(summaryOf(outcome)).toContain(`read:~/.codex/config.toml=${JSON.stringify(codexConfig)}`);
    expect(await readFile(path.join(victims, 'bashrc'), 'utf8')).toBe('the host’s\n');
    expect(existsSync(path.join(victims, 'config.toml'))).toBe(false);
    expect((await lstat(path.join(home, '.codex'))).isDirectory()).toBe(true);
    expect((await lstat(path.join(home, '.gemini', 'settings.json'))).isFile()).toBe(true);
    expect(await readFile(path.join(home, '.gemini', 'settings.json'), 'utf8')).toBe('{"a":1}\n');
  });

  it.each([
    ['inside the working copy', (s: Scratch) => path.join(s.root, 'agent-home'), /inside the working copy/],
    ['containing the working copy', (s: Scratch) => s.dir, /contains the working copy/],
  ])('is refused %s, before anything starts', async (_, homeOf, message) => {
    const { input, events } = runInput('DIRECT', scratch.workspace);
    await expect(unsandboxedAgent({ home: homeOf(scratch) }).run(input)).rejects.toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringMatching(message) }),
    );
    expect(dataOf(events, 'agent_started')).toEqual([]);
  });
});

sandboxed(`in the bubblewrap sandbox, other runs' private directories${missingNote}`, () => {
  it('are hidden from the agent (they may hold another run’s gateway token)', async () => {
    const root = path.join(await realpath(tmpdir()), `goosuke-agents-${process.getuid?.()}`);
    const planted = path.join(root, `run-planted-${process.pid}`);
    await mkdir(path.join(planted, 'home'), { recursive: true });
    await writeFile(path.join(planted, 'home', 'token'), 'another run’s token\n');
    try {
      const { input } = runInput(
        `READ=${path.join(planted, 'home', 'token')},~/.codex/config.toml`,
        scratch.workspace,
      );
      const outcome = await sandboxedAgent(homeOptions).run(input);

      expect(summaryOf(outcome)).toContain(`read:${path.join(planted, 'home', 'token')}=ENOENT`);
      expect(summaryOf(outcome)).toContain(`read:~/.codex/config.toml=${JSON.stringify(codexConfig)}`);
    } finally {
      await rm(planted, { recursive: true, force: true });
    }
  });
});

sandboxed(`in the bubblewrap sandbox, hiddenPaths${missingNote}`, () => {
  it("hide other tasks' kept homes, while this task's own home inside them is bound back", async () => {
    const homes = path.join(scratch.dir, 'homes');
    const otherTask = path.join(homes, 'task-2', 'codex', '.codex', 'sessions.jsonl');
    await mkdir(path.dirname(otherTask), { recursive: true });
    await writeFile(otherTask, 'another task’s session\n');
    const home = path.join(homes, 'task-1', 'codex');
    const { input, events } = runInput(`READ=${otherTask},~/.codex/config.toml`, scratch.workspace);
    const agent = createAcpAgent({
      command: process.execPath,
      args: [fakeAgentPath],
      env: baseEnv,
      ...homeOptions,
      home,
      sandbox: createBubblewrapSandbox({ hiddenPaths: [homes, path.join(scratch.dir, 'does-not-exist')] }),
    });
    const outcome = await agent.run(input);

    expect(summaryOf(outcome)).toContain(`read:${otherTask}=ENOENT`);
    expect(summaryOf(outcome)).toContain(`read:~/.codex/config.toml=${JSON.stringify(codexConfig)}`);
    const hidden = dataOf(events, 'sandbox')[0]?.hidden;
    expect(hidden).toEqual([expect.stringMatching(/\/goosuke-agents-\d+$/), await realpath(homes)]);
  });
});

describe('options', () => {
  it.each<[string, Partial<AcpAgentOptions>, RegExp]>([
    [
      'an absolute homeFiles path',
      { homeFiles: { '/etc/passwd': 'x' } },
      /homeFiles: "\/etc\/passwd" is absolute/,
    ],
    [
      'a homeFiles path with ..',
      { homeFiles: { '.codex/../../x': 'x' } },
      /homeFiles: "\.codex\/\.\.\/\.\.\/x" contains "\.\."/,
    ],
    ['an empty homeFiles path', { homeFiles: { '': 'x' } }, /homeFiles: "" is not a path/],
    [
      'HOME itself as a homeEnv directory',
      { homeEnv: { GOOSE_PATH_ROOT: '.' } },
      /homeEnv: "\." is HOME itself/,
    ],
    ['a homeFiles path with a NUL', { homeFiles: { 'a\0b': 'x' } }, /homeFiles: "a\\u0000b" contains a NUL/],
    [
      'a homeFiles path not normalised',
      { homeFiles: { './a//b': 'x' } },
      /homeFiles: "\.\/a\/\/b" is not normalised.*"a\/b"/,
    ],
    [
      'a homeFiles path with a trailing slash',
      { homeFiles: { 'a/': 'x' } },
      /homeFiles: "a\/" is not normalised/,
    ],
    ['a non-string homeFiles content', { homeFiles: { a: 1 as never } }, /homeFiles\["a"\] must be a string/],
    [
      'a homeFiles file that another needs as a directory',
      { homeFiles: { a: 'x', 'a/b': 'y' } },
      /"a" is a file, but "a\/b"/,
    ],
    [
      'a homeFiles file that is a homeEnv directory',
      { homeFiles: { '.codex': 'x' }, homeEnv: { CODEX_HOME: '.codex' } },
      /"\.codex" is a file/,
    ],
    [
      'a homeEnv path with ..',
      { homeEnv: { CODEX_HOME: '../codex' } },
      /homeEnv: "\.\.\/codex" contains "\.\."/,
    ],
    [
      'an absolute homeEnv path',
      { homeEnv: { CODEX_HOME: '/root/.codex' } },
      /homeEnv: "\/root\/\.codex" is absolute/,
    ],
    [
      'a homeEnv name also in env',
      { env: { CODEX_HOME: '/x' }, homeEnv: { CODEX_HOME: '.codex' } },
      /homeEnv\.CODEX_HOME is also in env/,
    ],
    ['HOME as a homeEnv name', { homeEnv: { HOME: 'x' } }, /homeEnv\.HOME is also the run's own/],
    ['a bad homeEnv name', { homeEnv: { 'A=B': 'x' } }, /homeEnv: "A=B" is not a valid variable name/],
    ['HOME in env', { env: { HOME: '/root' } }, /env\.HOME cannot be declared.*home option/],
    ['TMPDIR in env', { env: { TMPDIR: '/tmp' } }, /env\.TMPDIR cannot be declared/],
    ['a relative home', { home: 'agent-home' }, /home must be an absolute directory path/],
    ['a port 0', { allowLoopbackPorts: [0] }, /allowLoopbackPorts: 0 is not a TCP port/],
    ['a port above 65535', { allowLoopbackPorts: [65_536] }, /allowLoopbackPorts: 65536/],
    ['a fractional port', { allowLoopbackPorts: [80.5] }, /allowLoopbackPorts: 80\.5/],
    ['a port as a string', { allowLoopbackPorts: ['8080' as never] }, /allowLoopbackPorts: "8080"/],
    ['ports not in an array', { allowLoopbackPorts: 8080 as never }, /allowLoopbackPorts must be an array/],
  ])('refuses %s with InvalidInputError naming it', (_, options, message) => {
    expect(() => createAcpAgent({ command: '/bin/agent', unsafeNoSandbox: true, ...options })).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringMatching(message) }),
    );
  });
});
