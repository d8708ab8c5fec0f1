// Checks every agent test makes on what a run left behind: its events, the fake's log, the
// processes still alive on the host.
import { readdir, readFile, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { RunEvent } from '@goosuke/core';
import { expect } from 'vitest';
import type { FakeAgentModel } from './fake-agent-model.ts';

/** What a connection failure, a name lookup or a provider's public host looks like in any text. */
export const networkTrouble =
  /ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ENETUNREACH|EHOSTUNREACH|getaddrinfo|fetch failed|socket hang up|api\.anthropic\.com|googleapis\.com|api\.openai\.com|chatgpt\.com|statsig|sentry/i;

/** The `run-log` events of a kind (`data.kind`). */
export function logsOf(events: readonly RunEvent[], kind: string): RunEvent[] {
  return events.filter((event) => event.type === 'run-log' && event.data.kind === kind);
}

/** The paths of the model calls the gateway forwarded for these runs (its `run-tokens` events). */
export function gatewayPaths(events: readonly RunEvent[]): string[] {
  return events
    .filter((event) => event.type === 'run-tokens')
    .map((event) => String((event.data.gateway as { path: string }).path));
}

/** The one host port the run's sandbox let the agent reach (the gateway's). */
export function sandboxPort(events: readonly RunEvent[]): number {
  const [sandbox] = logsOf(events, 'sandbox');
  expect(sandbox?.data).toMatchObject({ sandboxed: true, sandbox: 'bubblewrap', network: 'loopback-ports' });
  const ports = sandbox!.data.allowLoopbackPorts as number[];
  expect(ports).toHaveLength(1);
  return ports[0]!;
}

/**
 * No traffic but through the gateway, for the runs whose events are given and which were all of
 * the fake's clients:
 * - each run was sandboxed with one reachable port, the gateway's, which is not the fake's (the
 *   agent could not have reached the provider but through the gateway);
 * - the fake saw exactly the calls the gateway forwarded (nothing failed or was dropped between
 *   them), and every one carried the real key and the profile's model (`problems` empty);
 * - nothing in any event speaks of a failed connection, a name lookup or a public provider host
 *   (a hidden call inside the sandbox fails, and would show there).
 */
export function expectOnlyGatewayTraffic(fake: FakeAgentModel, ...runs: RunEvent[][]): void {
  expect(fake.problems).toEqual([]);
  for (const events of runs) expect(sandboxPort(events)).not.toBe(Number(new URL(fake.url).port));
  const forwarded = runs.flatMap(gatewayPaths).sort();
  expect(forwarded.length).toBeGreaterThan(0);
  expect(fake.requests.map((request) => request.path).sort()).toEqual(forwarded);
  for (const events of runs) {
    const troubled = events.filter((event) =>
      networkTrouble.test(`${event.message} ${JSON.stringify(event.data)}`),
    );
    expect(troubled.map((event) => event.message)).toEqual([]);
  }
}

/** A process found on the host: its pid, cwd and command line. */
export interface HostProcess {
  pid: number;
  cwd: string;
  cmdline: string;
}

/**
 * The processes of the host whose working directory is under `dir`: every agent runs in a working
 * copy there, and whatever it starts inherits that. Read from `/proc`, since the agents' own pids
 * live in a pid namespace of their own; this process is left out.
 */
export async function processesUnder(dir: string): Promise<HostProcess[]> {
  const found: HostProcess[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => '');
    if (cwd !== dir && !cwd.startsWith(`${dir}${path.sep}`)) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    // A zombie or a process gone meanwhile has no command line left: nothing runs there.
    if (cmdline === '') continue;
    found.push({ pid: Number(entry), cwd, cmdline: cmdline.replaceAll('\0', ' ').trim().slice(0, 300) });
  }
  return found;
}

/** Those of `processes` whose command line names one of `markers` (an agent's packages). */
export function agentProcesses(processes: readonly HostProcess[], markers: readonly string[]): HostProcess[] {
  return processes.filter((candidate) => markers.some((marker) => candidate.cmdline.includes(marker)));
}

/**
 * Asserts that no process is left under `dir`, allowing `graceMs` for the kernel to reap what the
 * sandbox's end killed (its pid namespace goes down with bwrap, a moment after it).
 */
export async function expectNoProcessLeft(dir: string, graceMs = 3_000): Promise<void> {
  const deadline = Date.now() + graceMs;
  let left = await processesUnder(dir);
  while (left.length > 0 && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    left = await processesUnder(dir);
  }
  expect(left).toEqual([]);
}

/** Whether a process group still has a member. */
export function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}
