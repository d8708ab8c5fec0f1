// The bubblewrap sandbox's network exception (allowLoopbackPorts: the gateway's port, forwarded
// into the agent's network namespace) and its memory limit (a cgroup per run), with real bwrap,
// real cgroups where the host has them, and the fake agent of fixtures/ as a real process.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AcpAgentOptions,
  type BubblewrapSandboxOptions,
  createAcpAgent,
  createBubblewrapSandbox,
} from '@goosuke/acp';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  abortOnceExists,
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

const baseEnv = { LANG: 'C.UTF-8' };
const sandboxedAgent = (options: Partial<AcpAgentOptions> = {}, sandbox: BubblewrapSandboxOptions = {}) =>
  createAcpAgent({
    command: process.execPath,
    args: [fakeAgentPath],
    env: baseEnv,
    sandbox: createBubblewrapSandbox(sandbox),
    ...options,
  });

let scratch: Scratch;
let runs: EmittedEvent[][] = [];
const cleanups: Array<() => Promise<unknown>> = [];
beforeEach(async () => {
  scratch = await makeScratch();
});
afterEach(async (context) => {
  if (context.task.result?.state === 'fail') killLeftovers(runs.flat(), await processesUnder(scratch.root));
  runs = [];
  for (const cleanup of cleanups.splice(0)) await cleanup();
  await scratch.cleanup();
});
const runInput = (...args: Parameters<typeof inputFor>) => {
  const made = inputFor(...args);
  runs.push(made.events);
  return made;
};

/** An HTTP server on the host's 127.0.0.1 (closed after the test) answering `gateway <path>`, and its port. */
async function gateway(): Promise<{ port: number; requests: string[] }> {
  const requests: string[] = [];
  const server: HttpServer = createHttpServer((request, response) => {
    requests.push(request.url ?? '');
    response.end(`gateway ${request.url}`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as { port: number }).port, requests };
}

/** A TCP server on the host's 127.0.0.1 that counts the connections it gets. */
async function otherService(): Promise<{ port: number; accepted: () => number }> {
  let accepted = 0;
  const server: Server = createServer((socket) => {
    accepted += 1;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return { port: (server.address() as { port: number }).port, accepted: () => accepted };
}

sandboxed(`allowLoopbackPorts in the bubblewrap sandbox${missingNote}`, () => {
  it('reaches an allowed port at the same 127.0.0.1:<port>, and nothing else of the host', async () => {
    const { port, requests } = await gateway();
    const other = await otherService();
    const { input, events } = runInput(`HTTP=${port} NET=${other.port}`, scratch.workspace);
    const outcome = await sandboxedAgent({ allowLoopbackPorts: [port] }).run(input);

    expect(outcome.status).toBe('succeeded');
    expect(summaryOf(outcome)).toContain(`http=200:gateway /hello`);
    expect(requests).toEqual(['/hello']);
    // The agent's namespace has its own loopback: the other host port is not there.
    expect(summaryOf(outcome)).toContain('net=ECONNREFUSED');
    expect(other.accepted()).toBe(0);
    const [report] = dataOf(events, 'sandbox');
    expect(report).toMatchObject({ network: 'loopback-ports', allowLoopbackPorts: [port] });
    expect(events.find((event) => event.data.kind === 'sandbox')?.message).toContain(
      `no network but 127.0.0.1:${port}`,
    );
    expect(await noProcessUnder(scratch.root)).toBe(true);
  });

  it('keeps the agent’s exit code and stderr through the bridge', async () => {
    const { port } = await gateway();
    const { input } = runInput('CRASH', scratch.workspace);
    const outcome = await sandboxedAgent({ allowLoopbackPorts: [port] }).run(input);

    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/exited with code 3.*something broke badly/s),
    });
    expect(await noProcessUnder(scratch.root)).toBe(true);
  });

  it('cancels through the bridge, and kills an agent that ignores SIGTERM with its child', async () => {
    const { port } = await gateway();
    const controller = new AbortController();
    const { input, events } = runInput('HANG', scratch.workspace, { signal: controller.signal });
    abortOnceExists(path.join(scratch.root, 'grandchild.pid'), controller, new Error('stop'));

    await expect(
      sandboxedAgent({ allowLoopbackPorts: [port], cancelGraceMs: 300 }).run(input),
    ).rejects.toThrow('stop');
    expect(await scratch.workspace.readFile('grandchild.pid')).toMatch(/^\d+$/);
    expect(await groupGone(startedPid(events), 0)).toBe(true);
    expect(await noProcessUnder(scratch.root)).toBe(true);
  });

  it('refuses a port below 1024 (the bridge has no capability to listen there), before starting anything', async () => {
    const { input, events } = runInput('DIRECT', scratch.workspace);
    await expect(sandboxedAgent({ allowLoopbackPorts: [80] }).run(input)).rejects.toThrow(
      expect.objectContaining({ name: 'UnsupportedError', message: expect.stringContaining('127.0.0.1:80') }),
    );
    expect(dataOf(events, 'agent_started')).toEqual([]);
  });

  it('changes nothing without a sandbox, and the warning says so', async () => {
    const other = await otherService();
    const { input } = runInput(`NET=${other.port}`, scratch.workspace);
    const outcome = await createAcpAgent({
      command: process.execPath,
      args: [fakeAgentPath],
      env: baseEnv,
      unsafeNoSandbox: true,
      allowLoopbackPorts: [other.port + 1],
    }).run(input);

    expect(summaryOf(outcome)).toContain('net=connected');
    expect(outcome.warnings).toEqual([
      expect.stringMatching(/ran unsandboxed.*allowLoopbackPorts \(\d+\) changes nothing without a sandbox/),
    ]);
  });
});

sandboxed(`the memory limit in the bubblewrap sandbox${missingNote}`, () => {
  it('kills an agent that allocates past it, and the run fails naming memory; the cgroup is removed', async () => {
    const limit = 96 * 2 ** 20;
    const { input, events } = runInput('HOG=512', scratch.workspace);
    const outcome = await sandboxedAgent({}, { memoryLimitBytes: limit }).run(input);

    const report = dataOf(events, 'sandbox')[0] as
      | { limits: { memory: { [key: string]: unknown } } }
      | undefined;
    const memory = report?.limits.memory ?? {};
    if (memory.applied !== true) {
      // A host without a usable cgroup: the run goes on unlimited, and says so.
      expect(memory).toMatchObject({ applied: false, bytes: limit, reason: expect.any(String) });
      expect(outcome.warnings).toContain(`memory limit of 96 MiB not applied: ${memory.reason}`);
      return;
    }
    expect(memory).toMatchObject({
      applied: true,
      bytes: limit,
      cgroup: expect.stringContaining('goosuke-agent-'),
    });
    // Started normally (the limit leaves room for Node), then killed by its allocation.
    expect(dataOf(events, 'agent_initialized')).toHaveLength(1);
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(
        /^the memory limit of 96 MiB was reached: the kernel killed .*out of memory/,
      ),
    });
    expect(outcome.warnings).toEqual([expect.stringContaining('the memory limit of 96 MiB was reached')]);
    expect(dataOf(events, 'limit_reached')).toEqual([
      { kind: 'limit_reached', text: expect.stringContaining('96 MiB') },
    ]);
    expect(existsSync(memory.cgroup as string)).toBe(false);
    expect(await noProcessUnder(scratch.root)).toBe(true);
  });

  it('lets an agent that stays under it succeed, with the whole tree in the cgroup', async () => {
    const { port } = await gateway();
    const { input, events } = runInput(`HOG=16 HTTP=${port}`, scratch.workspace);
    const outcome = await sandboxedAgent(
      { allowLoopbackPorts: [port] },
      { memoryLimitBytes: 256 * 2 ** 20 },
    ).run(input);

    expect(outcome.status).toBe('succeeded');
    expect(summaryOf(outcome)).toContain('hog=survived(16 MiB)');
    expect(summaryOf(outcome)).toContain(`http=200:gateway /hello`);
    expect(dataOf(events, 'limit_reached')).toEqual([]);
  });

  it('is not applied, with a warning and the reason in the report, where no cgroup can be made', async () => {
    const notCgroup = await mkdtemp(path.join(tmpdir(), 'goosuke-not-a-cgroup-'));
    cleanups.push(() => rm(notCgroup, { recursive: true, force: true }));
    const { input, events } = runInput('HOG=16', scratch.workspace);
    const outcome = await sandboxedAgent({}, { cgroupParent: notCgroup }).run(input);

    expect(outcome.status).toBe('succeeded');
    const reason = `${notCgroup} is neither a cgroup v2 directory nor one of cgroup v1's memory controller`;
    expect(outcome.warnings).toEqual([`memory limit of 4 GiB not applied: ${reason}`]);
    const [sandbox] = events.filter((event) => event.data.kind === 'sandbox');
    expect(sandbox).toMatchObject({
      level: 'warn',
      message: expect.stringContaining(`memory: not applied (${reason})`),
      data: { limits: { memory: { applied: false, bytes: 4 * 2 ** 30, reason } } },
    });
  });

  it('is not asked for with memoryLimitBytes null: no cgroup, no warning', async () => {
    const { input, events } = runInput('anything', scratch.workspace);
    const outcome = await sandboxedAgent({}, { memoryLimitBytes: null }).run(input);

    expect(outcome).toMatchObject({ status: 'succeeded', warnings: [] });
    expect(dataOf(events, 'sandbox')[0]).toMatchObject({
      limits: { memory: { applied: false, bytes: null, reason: 'no memory limit was asked for' } },
    });
  });
});
