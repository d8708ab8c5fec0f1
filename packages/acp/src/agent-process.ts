import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import type { Writable } from 'node:stream';

/** How the agent's process ended. */
export interface ProcessExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** The last bytes of the agent's stderr kept for error messages. */
const stderrTailBytes = 8 * 1024;
/** Between SIGTERM and SIGKILL of the process group. */
const termGraceMs = 1_000;
/** How often a dying group is checked for members left. */
const pollMs = 25;

/** One agent child process, in a process group of its own. */
export interface AgentProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly pid: number;
  /** Settles when the process has exited (not its group); never rejects. */
  readonly exited: Promise<ProcessExit>;
  /** The exit, once known. */
  exit(): ProcessExit | null;
  /** The last ~8 KB of stderr, as text. */
  stderrTail(): string;
  /**
   * Ends the whole process group: SIGTERM, then SIGKILL after a second if any member is left
   * (or SIGKILL at once when `first` is `SIGKILL`), and waits (bounded) until no member
   * answers. Idempotent: the first call decides.
   */
  killGroup(first?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/**
 * Starts `command` in `cwd` with exactly `env`, in a new process group (`detached`), stdin and
 * stdout piped for the protocol, stderr captured, and `fd3` (when given) written to the child's
 * file descriptor 3, which is then closed. Rejects when the command cannot be started (not found,
 * not executable), with the system's error.
 */
export async function startAgentProcess(options: {
  command: string;
  args: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string>>;
  fd3?: Uint8Array | null;
}): Promise<AgentProcess> {
  const fd3 = options.fd3 ?? null;
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    // A copy: spawn must see only what the caller declared, never process.env.
    env: { ...options.env },
    stdio: fd3 === null ? ['pipe', 'pipe', 'pipe'] : ['pipe', 'pipe', 'pipe', 'pipe'],
    // Its own process group, so that the agent and everything it started (MCP servers, tools)
    // can be killed together: agents do not exit on stdin EOF while MCP servers run.
    detached: true,
    windowsHide: true,
  }) as ChildProcessWithoutNullStreams;
  if (fd3 !== null) {
    // A sandbox's options (bwrap --args 3): off the command line, which any local user can read.
    const extra = child.stdio[3] as Writable;
    extra.on('error', () => {});
    extra.end(fd3);
  }
  let tail = Buffer.alloc(0);
  child.stderr.on('data', (chunk: Buffer) => {
    const joined = Buffer.concat([tail, chunk]);
    tail = joined.length > stderrTailBytes ? joined.subarray(joined.length - stderrTailBytes) : joined;
  });
  // A broken pipe on stdin after the agent died must not become an uncaught error.
  child.stdin.on('error', () => {});
  child.stdout.on('error', () => {});
  child.stderr.on('error', () => {});

  let exit: ProcessExit | null = null;
  const exited = new Promise<ProcessExit>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    });
  });
  await new Promise<void>((resolve, reject) => {
    child.once('spawn', () => resolve());
    child.once('error', reject);
  });
  // Later errors (a signal that cannot be delivered) must not become uncaught exceptions.
  child.on('error', () => {});
  const pid = child.pid;
  if (pid === undefined) throw new Error(`${options.command} did not start`);

  let killing: Promise<void> | null = null;
  return {
    child,
    pid,
    exited,
    exit: () => exit,
    // The cut may split a character: its remains decode as replacement characters.
    stderrTail: () => tail.toString('utf8').replace(/^\uFFFD+/, ''),
    killGroup: (first = 'SIGTERM') => {
      killing ??= killProcessGroup(pid, child, first);
      return killing;
    },
  };
}

async function killProcessGroup(
  pid: number,
  child: ChildProcessWithoutNullStreams,
  first: 'SIGTERM' | 'SIGKILL',
): Promise<void> {
  if (signalGroup(pid, first)) {
    if (!(await groupGoneWithin(pid, termGraceMs)) && first === 'SIGTERM') {
      signalGroup(pid, 'SIGKILL');
      await groupGoneWithin(pid, termGraceMs);
    }
  }
  // The pipes hold this process's event loop open until they are closed from this side too.
  child.stdin.destroy();
  child.stdout.destroy();
  child.stderr.destroy();
}

/**
 * Sends a signal to every member of the group; false when the group has no member left, or none
 * this process may signal (EPERM: nothing more can be done from here, so waiting is pointless).
 */
function signalGroup(pid: number, signal: NodeJS.Signals | 0): boolean {
  try {
    process.kill(-pid, signal);
    return true;
  } catch {
    return false;
  }
}

async function groupGoneWithin(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (signalGroup(pid, 0)) {
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return true;
}

/** A process exit in words: `exited with code 3` or `was killed by SIGKILL`. */
export function describeExit(exit: ProcessExit): string {
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code ?? 'unknown'}`;
}
