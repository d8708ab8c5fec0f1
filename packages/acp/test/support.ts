import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bubblewrapSandboxDefaults } from '@goosuke/acp';
import type { AgentInput, Message, RunEvent, Workspace } from '@goosuke/core';
import { createDirectoryWorkspace } from '@goosuke/git-isomorphic';
import { describe } from 'vitest';

/** The fake ACP agent, run with this Node. */
export const fakeAgentPath = path.join(import.meta.dirname, 'fixtures', 'fake-acp-agent.mjs');

/** An event as an agent emits it. */
export type EmittedEvent = Pick<RunEvent, 'type' | 'level' | 'message' | 'data'>;

/** A temporary directory holding a working copy (`repo/`) and room beside it; removed by `cleanup`. */
export interface Scratch {
  dir: string;
  root: string;
  workspace: Workspace;
  cleanup(): Promise<void>;
}

/** A working copy on a temporary directory, with `input.txt` of three lines. */
export async function makeScratch(): Promise<Scratch> {
  const dir = await mkdtemp(path.join(tmpdir(), 'goosuke-acp-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  const root = path.join(dir, 'repo');
  try {
    await mkdir(root);
    const workspace = createDirectoryWorkspace({ root });
    await workspace.writeFiles([{ path: 'input.txt', content: 'line one\nline two\nline three\n' }]);
    await writeFile(path.join(dir, 'outside.txt'), 'not the agent’s\n');
    return { dir, root, workspace, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

/** A message of a conversation. */
export function message(role: Message['role'], content: string, index: number): Message {
  return {
    id: `m${index}`,
    taskId: 't1',
    role,
    content,
    runId: null,
    createdBy: null,
    createdAt: new Date(Date.UTC(2026, 0, 1, 0, 0, index)).toISOString(),
  };
}

/** An AgentInput for one instruction, collecting the events it gets. */
export function inputFor(
  instruction: string,
  workspace: Workspace | undefined,
  extra: Partial<AgentInput> = {},
): { input: AgentInput; events: EmittedEvent[] } {
  const events: EmittedEvent[] = [];
  const input: AgentInput = {
    instruction,
    history: [message('user', instruction, 1)],
    ...(workspace === undefined ? {} : { workspace }),
    emit: async (event) => {
      events.push(event);
    },
    ...extra,
  };
  return { input, events };
}

/** True once no process of the group answers a signal, polled for up to `ms`. */
export async function groupGone(pid: number, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      process.kill(-pid, 0);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ESRCH') return true;
      throw error;
    }
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Kills, by id, what a failed test may have left: the process groups of the agents it started
 * and any process whose pid the fake agent wrote down. Nothing else.
 */
export function killLeftovers(events: readonly EmittedEvent[], pids: readonly number[] = []): void {
  for (const event of events) {
    if (event.data.kind === 'agent_started' && typeof event.data.pid === 'number') {
      try {
        process.kill(-event.data.pid, 'SIGKILL');
      } catch {}
    }
  }
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}

/** The pid the agent reported in its `agent_started` event. */
export function startedPid(events: readonly EmittedEvent[]): number {
  const started = events.find((event) => event.data.kind === 'agent_started');
  if (started === undefined || typeof started.data.pid !== 'number')
    throw new Error('no agent_started event');
  return started.data.pid;
}

/** The data of the events of one kind. */
export function dataOf(events: readonly EmittedEvent[], kind: string): Array<EmittedEvent['data']> {
  return events.filter((event) => event.data.kind === kind).map((event) => event.data);
}

/**
 * The host pids of the processes whose cwd is `dir` or under it. A sandboxed agent runs in pid and
 * mount namespaces of its own, so its group id says nothing of what runs inside; its cwd, as the
 * host's /proc shows it, still names the working copy.
 */
export async function processesUnder(dir: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const cwd = await readlink(`/proc/${entry}/cwd`).catch(() => null);
    if (cwd !== null && (cwd === dir || cwd.startsWith(`${dir}/`))) found.push(Number(entry));
  }
  return found;
}

/** True once no process has its cwd under `dir`, polled for up to `ms`. */
export async function noProcessUnder(dir: string, ms = 3_000): Promise<boolean> {
  const deadline = Date.now() + ms;
  while ((await processesUnder(dir)).length > 0) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
  return true;
}

/** An outcome's summary, or '' when it has none. */
export const summaryOf = (outcome: { summary: string | null }): string => outcome.summary ?? '';

/**
 * Aborts `controller` with `reason` once `file` exists: the fake agent writes `slow-waiting.txt`
 * (SLOW) or `grandchild.pid` (HANG) in the working copy when its turn is under way, so a cancel
 * test cancels a running turn however slowly a loaded host starts the agent.
 */
export function abortOnceExists(file: string, controller: AbortController, reason: Error): void {
  const timer = setInterval(() => {
    if (existsSync(file)) {
      clearInterval(timer);
      controller.abort(reason);
    }
  }, 20);
  controller.signal.addEventListener('abort', () => clearInterval(timer));
}

/** True when bubblewrap is not installed here: the sandbox tests are skipped, saying so. */
export const bwrapMissing = !existsSync(bubblewrapSandboxDefaults.bwrapPath);
/** `describe` for tests that need bubblewrap (skipped without it). */
export function sandboxed(name: string, suite: () => void): void {
  describe.skipIf(bwrapMissing)(name, suite);
}
/** Appended to a sandboxed suite's name when it is skipped. */
export const missingNote = bwrapMissing
  ? ` (SKIPPED: ${bubblewrapSandboxDefaults.bwrapPath} is missing; install bubblewrap)`
  : '';
