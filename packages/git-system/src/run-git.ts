import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { GoosukeError, UnsupportedError } from '@goosuke/core';

/** How one git child process is started. */
export interface GitInvocation {
  /** The git executable (a name looked up on PATH, or a path). */
  git: string;
  args: readonly string[];
  /** Working directory of the child. */
  cwd?: string;
  /**
   * Configuration handed to this child only through its environment (never argv, which any
   * user sees in `ps`): the place for credentials.
   */
  secretConfig?: ReadonlyArray<readonly [key: string, value: string]>;
  /** Whether git understands `GIT_CONFIG_COUNT` (2.31+); otherwise `GIT_CONFIG_PARAMETERS` is used. */
  configCount?: boolean;
  /** Written to the child's stdin, which is closed afterwards. */
  input?: string;
  /** The child is killed after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Bytes of stdout kept; more is an error (default 64 MiB). */
  maxOutputBytes?: number;
  /**
   * Reads stdout as a stream instead of it being kept (`stdout` of the outcome is then empty):
   * for output of any size. Its rejection stops git and becomes runGitProcess's.
   */
  consume?: (stdout: Readable) => Promise<void>;
  /** Extra environment variables (no secrets: use `secretConfig`). */
  env?: Readonly<Record<string, string>>;
  signal?: AbortSignal;
}

/** What a git child left behind. */
export interface GitOutcome {
  /** Exit code, or null when killed by a signal. */
  code: number | null;
  stdout: string;
  /** The last 64 KiB of stderr. */
  stderr: string;
}

/** A spawn that never happened or was cut short, before git could answer. */
export class GitProcessError extends Error {
  constructor(
    message: string,
    readonly reason: 'missing' | 'timeout' | 'aborted' | 'output' | 'spawn',
  ) {
    super(message);
    this.name = 'GitProcessError';
  }
}

/** Variables passed through from the parent: reaching a remote may need a proxy or a CA bundle. */
const passedVariables = [
  'PATH',
  'TMPDIR',
  'http_proxy',
  'https_proxy',
  'HTTP_PROXY',
  'HTTPS_PROXY',
  'no_proxy',
  'NO_PROXY',
  'all_proxy',
  'ALL_PROXY',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
] as const;

const stderrKept = 64 * 1024;

let privateHome: string | undefined;
/**
 * A private, empty HOME for git children (created once per process, mode 0700): no user or
 * global configuration, credential helper or `.netrc` of whoever runs Goosuke reaches them, and
 * no one else can plant one there (unlike a shared directory such as `/tmp`).
 */
function gitHome(): string {
  privateHome ??= mkdtempSync(path.join(tmpdir(), 'goosuke-git-home-'));
  return privateHome;
}

/**
 * The whole environment of a git child: a few pass-through variables (no `GIT_*` of the
 * parent), no system or global configuration, no prompts, the C locale (messages are parsed),
 * and `secretConfig` as environment configuration for this child alone.
 */
export function gitEnvironment(
  invocation: Pick<GitInvocation, 'secretConfig' | 'configCount' | 'env'>,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const name of passedVariables) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  const home = gitHome();
  Object.assign(env, invocation.env ?? {}, {
    HOME: home,
    XDG_CONFIG_HOME: home,
    LC_ALL: 'C',
    LANG: 'C',
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: '/dev/null',
    GIT_TERMINAL_PROMPT: '0',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GCM_INTERACTIVE: 'never',
  });
  const entries = invocation.secretConfig ?? [];
  if (entries.length > 0) {
    if (invocation.configCount === false) {
      // git 2.30: the internal form `git -c` itself uses, one single-quoted `key=value` each.
      const quote = (text: string) => `'${text.replaceAll("'", "'\\''")}'`;
      env.GIT_CONFIG_PARAMETERS = entries.map(([key, value]) => quote(`${key}=${value}`)).join(' ');
    } else {
      env.GIT_CONFIG_COUNT = String(entries.length);
      entries.forEach(([key, value], index) => {
        env[`GIT_CONFIG_KEY_${index}`] = key;
        env[`GIT_CONFIG_VALUE_${index}`] = value;
      });
    }
  }
  return env;
}

/**
 * Runs git once, without a shell (an argument array), in the environment of
 * {@link gitEnvironment}. Resolves with the outcome whatever the exit code; rejects with a
 * {@link GitProcessError} when git could not be started, timed out, was aborted or printed more
 * than `maxOutputBytes`.
 */
export function runGitProcess(invocation: GitInvocation): Promise<GitOutcome> {
  return new Promise((resolve, reject) => {
    if (invocation.signal?.aborted) {
      reject(new GitProcessError('git was canceled', 'aborted'));
      return;
    }
    const child = spawn(invocation.git, [...invocation.args], {
      cwd: invocation.cwd,
      env: gitEnvironment(invocation),
      stdio: [invocation.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      shell: false,
      windowsHide: true,
      // Its own process group, so that a kill reaches what git started too (git-remote-https,
      // a hook): those hold its pipes open and would outlive a kill of git alone.
      detached: process.platform !== 'win32',
    });
    const maxOutput = invocation.maxOutputBytes ?? 64 * 1024 * 1024;
    const stdout: Buffer[] = [];
    let stdoutBytes = 0;
    let stderr = Buffer.alloc(0);
    let failure: GitProcessError | undefined;
    const kill = (signal: NodeJS.Signals) => {
      try {
        if (child.pid !== undefined && process.platform !== 'win32') process.kill(-child.pid, signal);
        else child.kill(signal);
      } catch {
        // Already gone.
      }
    };
    let settled = false;
    let consumerError: unknown;
    let consumed: Promise<void> = Promise.resolve();
    const settle = async (code: number | null) => {
      if (settled) return;
      settled = true;
      await consumed;
      clearTimeout(timer);
      invocation.signal?.removeEventListener('abort', onAbort);
      // The consumer's own failure (a full disk) unless git was stopped for another reason first.
      if (consumerError !== undefined && failure?.reason === 'output') reject(consumerError);
      else if (failure !== undefined) reject(failure);
      else resolve({ code, stdout: Buffer.concat(stdout).toString('utf8'), stderr: stderr.toString('utf8') });
    };
    const stop = (error: GitProcessError) => {
      failure ??= error;
      kill('SIGTERM');
      // A git that ignores SIGTERM (stuck in a network read) is killed for good.
      setTimeout(() => kill('SIGKILL'), 2000).unref();
    };
    const timer = setTimeout(
      () => stop(new GitProcessError('git timed out', 'timeout')),
      invocation.timeoutMs ?? 10 * 60 * 1000,
    );
    timer.unref();
    const onAbort = () => stop(new GitProcessError('git was canceled', 'aborted'));
    invocation.signal?.addEventListener('abort', onAbort, { once: true });
    if (invocation.consume !== undefined && child.stdout !== null) {
      consumed = invocation.consume(child.stdout).catch((error: unknown) => {
        consumerError = error;
        stop(new GitProcessError('git output could not be used', 'output'));
        child.stdout?.resume();
      });
    } else
      child.stdout?.on('data', (chunk: Buffer) => {
        stdoutBytes += chunk.length;
        if (stdoutBytes > maxOutput) stop(new GitProcessError('git printed more than expected', 'output'));
        else stdout.push(chunk);
      });
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = Buffer.concat([stderr, chunk]);
      if (stderr.length > stderrKept) stderr = stderr.subarray(stderr.length - stderrKept);
    });
    child.stdin?.on('error', () => {
      // git exited before reading everything; its exit code tells what happened.
    });
    child.stdin?.end(invocation.input);
    child.once('error', (error: NodeJS.ErrnoException) => {
      failure ??=
        error.code === 'ENOENT'
          ? new GitProcessError(`git (${invocation.git}) was not found`, 'missing')
          : new GitProcessError(`git could not be started (${error.code ?? 'error'})`, 'spawn');
    });
    // A stopped git is done when it exits; otherwise its output is complete only once closed.
    child.once('exit', (code) => {
      if (failure !== undefined) void settle(code);
    });
    child.once('close', (code) => void settle(code));
  });
}

/** A {@link GitProcessError} as the GoosukeError the backend rejects with. */
export function processFailure(error: GitProcessError, operation: string): GoosukeError {
  switch (error.reason) {
    case 'missing':
      return new UnsupportedError(`${operation} needs git on PATH: ${error.message}`);
    case 'aborted':
      return new GoosukeError('canceled', `${operation} was canceled`);
    case 'timeout':
      return new GoosukeError('storage', `${operation} timed out`, { retryable: true });
    default:
      return new GoosukeError('storage', `${operation} failed: ${error.message}`);
  }
}
