// The ACP agent under the bubblewrap sandbox, with real bwrap and real processes: the fake agent
// of fixtures/ tries to write outside its copy, to reach a server of the host's loopback, and
// reports its environment, HOME and TMPDIR.
import { existsSync } from 'node:fs';
import { chmod, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import {
  type AcpAgentOptions,
  type BubblewrapSandboxOptions,
  bubblewrapSandboxDefaults,
  createAcpAgent,
  createBubblewrapSandbox,
} from '@goosuke/acp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  abortOnceExists,
  bwrapMissing,
  dataOf,
  type EmittedEvent,
  fakeAgentPath,
  groupGone,
  inputFor,
  killLeftovers,
  makeScratch,
  missingNote,
  noProcessUnder,
  processesUnder,
  type Scratch,
  sandboxed,
  startedPid,
  summaryOf,
} from './support.ts';

const _bwrap = bubblewrapSandboxDefaults.bwrapPath;
// Only a missing binary skips; a bwrap that cannot create namespaces fails these tests.

const baseEnv = { LANG: 'C.UTF-8', FAKE_None: 'declared' };
const sandboxedAgent = (options: Partial<AcpAgentOptions> = {}, sandbox: BubblewrapSandboxOptions = {}) =>
  createAcpAgent({
    command: process.execPath,
    args: [fakeAgentPath],
    env: baseEnv,
    sandbox: createBubblewrapSandbox(sandbox),
    ...options,
  });
/** A file beside the tests, outside the working copy: a write there must fail read-only. */
const outsideInRepo = path.join(import.meta.dirname, 'fixtures', `.outside-${process.pid}.txt`);

let scratch: Scratch;
let runs: EmittedEvent[][] = [];
const cleanups: Array<() => Promise<unknown>> = [];
beforeEach(async () => {
  scratch = await makeScratch();
});
afterEach(async (context) => {
  if (context.task.result?.state === 'fail') {
    killLeftovers(runs.flat(), await processesUnder(scratch.root));
  }
  runs = [];
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await rm(outsideInRepo, { force: true });
  await scratch.cleanup();
});
const runInput = (...args: Parameters<typeof inputFor>) => {
  const made = inputFor(...args);
  runs.push(made.events);
  return made;
};

sandboxed(`in the bubblewrap sandbox${missingNote}`, () => {
  it('drops every capability, also as root: a read-only file of the copy stays read-only', async () => {
    // A hard-linked working copy's files are its snapshot's inodes, read-only: root keeps
    // CAP_DAC_OVERRIDE (and would write them) unless the sandbox drops it.
    const locked = path.join(scratch.workspace.root, 'locked.txt');
    await writeFile(locked, 'read-only\n', { mode: 0o444 });
    await chmod(locked, 0o444);
    const { input } = runInput(`OUTSIDE=${locked}`, scratch.workspace);
    const outcome = await sandboxedAgent().run(input);

    expect(summaryOf(outcome)).toContain('outside-failed=EACCES');
    expect(await readFile(locked, 'utf8')).toBe('read-only\n');
  });

  it('lets writes into the working copy land and makes writes outside it fail', async () => {
    const besideCopy = path.join(scratch.dir, 'beside.txt');
    const { input, events } = runInput(
      `EDIT DIRECT OUTSIDE=${besideCopy},${outsideInRepo},${path.join(scratch.dir, 'outside.txt')}`,
      scratch.workspace,
    );
    const outcome = await sandboxedAgent().run(input);

    expect(outcome.status).toBe('succeeded');
    expect(await scratch.workspace.readFile('direct.txt')).toBe('written by the agent itself\n');
    expect(await scratch.workspace.readFile('notes/edited.txt')).toBe('edited through the client\n');
    // Everything but the copy and the private HOME and TMPDIR is read-only, /tmp included.
    expect(summaryOf(outcome)).toContain('outside-failed=EROFS');
    expect(existsSync(outsideInRepo)).toBe(false);
    expect(existsSync(besideCopy)).toBe(false);
    expect(await readFile(path.join(scratch.dir, 'outside.txt'), 'utf8')).toBe('not the agent’s\n');

    const [report] = dataOf(events, 'sandbox');
    expect(report).toMatchObject({
      kind: 'sandbox',
      sandboxed: true,
      sandbox: 'bubblewrap',
      version: expect.stringMatching(/^\d+\.\d+/),
      network: 'none',
      allowLoopbackPorts: [],
      namespaces: ['user', 'ipc', 'pid', 'net', 'uts', 'cgroup'],
      readOnly: ['/'],
      limits: {
        cpu: { applied: true, seconds: bubblewrapSandboxDefaults.cpuTimeLimitSeconds },
        // Applied where the host gives a cgroup (sandbox-limits.test.ts checks which).
        memory: {
          bytes: bubblewrapSandboxDefaults.memoryLimitBytes,
          reason: expect.stringContaining('cgroup'),
        },
      },
    });
    expect(report?.writable).toEqual([scratch.root, expect.any(String), expect.any(String)]);
    const memoryApplied = (report?.limits as { memory: { applied: boolean } } | undefined)?.memory.applied;
    expect(outcome.warnings).toEqual(
      memoryApplied ? [] : [expect.stringContaining('memory limit of 4 GiB not applied')],
    );
    expect(await noProcessUnder(scratch.root)).toBe(true);
  });

  it('gives exactly the declared environment plus a private HOME and TMPDIR, removed after the run', async () => {
    process.env.GOOSUKE_ACP_TEST_SECRET = 'must-not-leak';
    let outcome: Awaited<ReturnType<ReturnType<typeof sandboxedAgent>['run']>>;
    const { input, events } = runInput('ENV WHOAMI', scratch.workspace);
    try {
      outcome = await sandboxedAgent().run(input);
    } finally {
      delete process.env.GOOSUKE_ACP_TEST_SECRET;
    }
    expect(outcome.status).toBe('succeeded');
    const whoami = JSON.parse((await scratch.workspace.readFile('whoami.json')) ?? 'null');
    const env = JSON.parse((await scratch.workspace.readFile('env.json')) ?? 'null');
    // bwrap always sets PWD to the directory it starts the command in.
    expect(env).toEqual({ ...baseEnv, HOME: whoami.home, TMPDIR: whoami.tmpdir, PWD: scratch.root });

    expect(whoami).toMatchObject({ homeWrite: 'writable', tmpdirWrite: 'writable' });
    expect(whoami.home).not.toBe(process.env.HOME);
    expect(path.dirname(whoami.home)).toBe(path.dirname(whoami.tmpdir));
    expect(whoami.cpuLimit).toMatch(/^Max cpu time\s+1800\s+1801\s+seconds/);
    const [report] = dataOf(events, 'sandbox');
    expect(report).toMatchObject({ home: whoami.home, tmpdir: whoami.tmpdir, homeKept: false });
    expect(report?.environment).toEqual(['FAKE_None', 'HOME', 'LANG', 'PWD', 'TMPDIR']);
    // Made for the run, gone with it.
    expect(existsSync(path.dirname(whoami.home))).toBe(false);
  });

  it("cannot reach a server on the host's loopback", async () => {
    const accepted: Socket[] = [];
    const server: Server = createServer((socket) => {
      accepted.push(socket);
      socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as { port: number };

    const { input } = runInput(`NET=${port}`, scratch.workspace);
    const outcome = await sandboxedAgent().run(input);

    expect(outcome.status).toBe('succeeded');
    // The agent's own network namespace has a loopback of its own, with nothing listening.
    expect(summaryOf(outcome)).toContain('net=ECONNREFUSED');
    expect(accepted).toHaveLength(0);
  });

  it('reaches that same server when unsandboxed (so the test above can fail)', async () => {
    const server: Server = createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => server.close(resolve)));
    const { port } = server.address() as { port: number };
    const { input } = runInput(`NET=${port}`, scratch.workspace);
    const outcome = await sandboxedAgent({ sandbox: undefined, unsafeNoSandbox: true }).run(input);
    expect(summaryOf(outcome)).toContain('net=connected');
  });

  it('cancels: the turn ends, the run is aborted, no process is left', async () => {
    const controller = new AbortController();
    const { input, events } = runInput('SLOW', scratch.workspace, { signal: controller.signal });
    abortOnceExists(
      path.join(scratch.root, 'slow-waiting.txt'),
      controller,
      new Error('canceled by the user'),
    );

    await expect(sandboxedAgent({ cancelGraceMs: 5_000 }).run(input)).rejects.toThrow('canceled by the user');

    expect(await scratch.workspace.readFile('cancel-received.txt')).toBe('yes\n');
    expect(await groupGone(startedPid(events), 0)).toBe(true);
    expect(await noProcessUnder(scratch.root)).toBe(true);
  });

  it('kills everything of an agent that ignores the cancel and SIGTERM, its child included', async () => {
    const controller = new AbortController();
    const { input, events } = runInput('HANG', scratch.workspace, { signal: controller.signal });
    abortOnceExists(path.join(scratch.root, 'grandchild.pid'), controller, new Error('stop'));
    // The agent and its child, seen from the host, while they run.
    let seen: number[] = [];
    const watcher = setInterval(async () => {
      const now = await processesUnder(scratch.root);
      if (now.length > seen.length) seen = now;
    }, 50);
    try {
      await expect(sandboxedAgent({ cancelGraceMs: 300 }).run(input)).rejects.toThrow('stop');
    } finally {
      clearInterval(watcher);
    }
    expect(await scratch.workspace.readFile('grandchild.pid')).toMatch(/^\d+$/);
    expect(seen.length).toBeGreaterThanOrEqual(2);
    expect(await groupGone(startedPid(events), 0)).toBe(true);
    expect(await noProcessUnder(scratch.root)).toBe(true);
  });

  it('fails a crashed agent with its exit code and stderr, and leaves no process', async () => {
    const { input } = runInput('CRASH', scratch.workspace);
    const outcome = await sandboxedAgent().run(input);

    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/exited with code 3.*something broke badly/s),
    });
    expect(await noProcessUnder(scratch.root)).toBe(true);
  });

  it('kills an agent that outruns its CPU-time limit', async () => {
    const { input, events } = runInput('BURN', scratch.workspace);
    const started = Date.now();
    const outcome = await sandboxedAgent({}, { cpuTimeLimitSeconds: 1 }).run(input);

    expect(outcome.status).toBe('failed');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(dataOf(events, 'sandbox')[0]).toMatchObject({ limits: { cpu: { applied: true, seconds: 1 } } });
    expect(await noProcessUnder(scratch.root)).toBe(true);
  });
});

describe('without a usable sandbox', () => {
  const missing = '/nonexistent/bwrap';

  it('refuses to start the agent, with UnsupportedError', async () => {
    const { input, events } = runInput('DIRECT', scratch.workspace);
    const agent = sandboxedAgent({}, { bwrapPath: missing });

    await expect(agent.run(input)).rejects.toThrow(
      expect.objectContaining({
        name: 'UnsupportedError',
        code: 'unsupported',
        message: expect.stringMatching(
          /will not be started without a sandbox: \/nonexistent\/bwrap does not exist.*unsafeNoSandbox/,
        ),
      }),
    );
    expect(dataOf(events, 'agent_started')).toEqual([]);
    expect(existsSync(path.join(scratch.root, 'direct.txt'))).toBe(false);
  });

  it('runs unconfined under unsafeNoSandbox, and says so in the events and the outcome', async () => {
    const { input, events } = runInput('DIRECT', scratch.workspace);
    const outcome = await sandboxedAgent({ unsafeNoSandbox: true }, { bwrapPath: missing }).run(input);

    expect(outcome.status).toBe('succeeded');
    expect(outcome.warnings).toEqual([expect.stringContaining('the agent ran unsandboxed')]);
    const warning = events.find((event) => event.data.kind === 'sandbox');
    expect(warning).toMatchObject({
      level: 'warn',
      data: { kind: 'sandbox', sandboxed: false, reason: expect.stringContaining('does not exist') },
    });
  });

  it('is sandboxed by default: without sandbox or unsafeNoSandbox the default bubblewrap sandbox is used', async () => {
    const { input, events } = runInput('DIRECT', scratch.workspace);
    const run = createAcpAgent({ command: process.execPath, args: [fakeAgentPath], env: baseEnv }).run(input);
    if (bwrapMissing) {
      await expect(run).rejects.toThrow(/will not be started without a sandbox/);
    } else {
      expect((await run).status).toBe('succeeded');
      expect(dataOf(events, 'sandbox')[0]).toMatchObject({ sandboxed: true, sandbox: 'bubblewrap' });
    }
  });

  it.each<[string, BubblewrapSandboxOptions, RegExp]>([
    ['a relative bwrapPath', { bwrapPath: 'bwrap' }, /bwrapPath/],
    ['a zero CPU limit', { cpuTimeLimitSeconds: 0 }, /cpuTimeLimitSeconds/],
    ['a network mode that does not exist', { network: 'gateway' as never }, /network/],
    ['a memory limit below 16 MiB', { memoryLimitBytes: 2 ** 20 }, /memoryLimitBytes/],
    ['a fractional memory limit', { memoryLimitBytes: 2 ** 30 + 0.5 }, /memoryLimitBytes/],
    ['a relative cgroupParent', { cgroupParent: 'sys/fs/cgroup' }, /cgroupParent/],
    ['the removed privateDirsIn', { privateDirsIn: '/tmp' } as never, /privateDirsIn.*home option/],
    ['a relative hidden path', { hiddenPaths: ['var/lib/goosuke'] }, /hiddenPaths must be an absolute path/],
    ['hiding /', { hiddenPaths: ['/var/..'] }, /hiddenPaths cannot hide \//],
  ])('refuses %s with InvalidInputError', (_, options, message) => {
    expect(() => createBubblewrapSandbox(options)).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringMatching(message) }),
    );
  });
});
