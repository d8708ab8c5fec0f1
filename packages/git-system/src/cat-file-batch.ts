import { type ChildProcess, spawn } from 'node:child_process';
import { GoosukeError } from '@goosuke/core';
import { gitEnvironment } from './run-git.ts';

/** What `git cat-file --batch-check` says about one name. */
export type ObjectInfo =
  | { oid: string; type: 'blob' | 'tree' | 'commit' | 'tag'; size: number }
  | 'missing'
  | 'ambiguous';

/** An object read by `git cat-file --batch`, or null when missing. */
export type ObjectContent = { type: 'blob' | 'tree' | 'commit' | 'tag'; body: Buffer } | null;

interface Pending {
  name: string;
  /** Whether it was asked of a child that died before answering (it is asked once more only). */
  retried: boolean;
  resolve: (answer: ObjectInfo | ObjectContent) => void;
  reject: (error: unknown) => void;
}

/** How a batch process is started: everything but the mode and the git directory. */
export interface BatchSpawn {
  git: string;
  /** `-c` options every git child gets (before the command). */
  config: readonly string[];
  env?: Readonly<Record<string, string>>;
}

/** Whether `child` (and its pipes) keep Node running: only while an answer is awaited. */
function holdOpen(child: ChildProcess, hold: boolean): void {
  for (const handle of [child, child.stdin, child.stdout] as unknown as Array<{
    ref?: () => void;
    unref?: () => void;
  } | null>) {
    if (hold) handle?.ref?.();
    else handle?.unref?.();
  }
}

/**
 * One long-lived `git cat-file --batch` or `--batch-check` child for one git directory:
 * started on the first request, answering requests in the order they were written (git
 * answers its stdin line by line, so a FIFO of waiters is the queue), ended after `idleMs`
 * without a request, and started again by the next request after it ended or died. It holds
 * no object in memory beyond the one being read: git reads them at their offset in the pack.
 */
class BatchProcess {
  private child: ChildProcess | undefined;
  private readonly waiting: Pending[] = [];
  private idle: NodeJS.Timeout | undefined;
  // Parser state for the answers on stdout.
  private header = Buffer.alloc(0);
  private body: Buffer | undefined;
  private filled = 0;
  private bodyType: 'blob' | 'tree' | 'commit' | 'tag' = 'blob';
  private skipNewline = false;

  constructor(
    private readonly spawnWith: BatchSpawn,
    private readonly gitdir: string,
    private readonly mode: '--batch' | '--batch-check',
    private readonly idleMs: number,
    private readonly onSpawn?: (pid: number | undefined) => void,
  ) {}

  /** Asks for `name` (an object id, possibly with `^{type}`); the answer comes in order. */
  request(name: string): Promise<ObjectInfo | ObjectContent> {
    // A name with a line break would desynchronise the protocol: git's answer is known.
    if (/[\n\r\0]/.test(name)) return Promise.resolve(this.mode === '--batch' ? null : 'missing');
    const child = this.start();
    clearTimeout(this.idle);
    this.idle = undefined;
    return new Promise((resolve, reject) => {
      this.waiting.push({ name, retried: false, resolve, reject });
      child.stdin!.write(`${name}\n`);
    });
  }

  /** Whether a request awaits its answer. */
  get busy(): boolean {
    return this.waiting.length > 0;
  }

  /** Ends the child (its pending requests fail). */
  close(): void {
    clearTimeout(this.idle);
    this.idle = undefined;
    const child = this.child;
    if (child === undefined) return;
    this.child = undefined;
    child.stdin?.end();
    this.fail(new Error('git cat-file was closed'));
  }

  private start(): ChildProcess {
    if (this.child !== undefined) {
      holdOpen(this.child, true);
      return this.child;
    }
    const child = spawn(
      this.spawnWith.git,
      [...this.spawnWith.config, `--git-dir=${this.gitdir}`, 'cat-file', this.mode],
      {
        env: gitEnvironment(this.spawnWith.env === undefined ? {} : { env: this.spawnWith.env }),
        stdio: ['pipe', 'pipe', 'ignore'],
        shell: false,
        windowsHide: true,
      },
    );
    this.child = child;
    this.onSpawn?.(child.pid);
    this.header = Buffer.alloc(0);
    this.body = undefined;
    this.skipNewline = false;
    child.stdin!.on('error', () => {
      // The child died: its exit handler asks its requests again or fails them.
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      // What a replaced child still prints belongs to requests already failed or asked again.
      if (this.child !== child) return;
      try {
        this.parse(chunk);
      } catch (error) {
        this.fail(error);
        if (this.child === child) this.child = undefined;
        child.kill();
      }
    });
    const gone = (error: unknown) => {
      // A child ended by close() or replaced after a bad answer has had its requests failed.
      if (this.child !== child) return;
      this.child = undefined;
      // Reads are idempotent: what the dead child left unanswered is asked once of a new one.
      const waiting = this.waiting.splice(0);
      const again = waiting.filter((pending) => !pending.retried);
      for (const pending of waiting) if (pending.retried) pending.reject(error);
      if (again.length === 0) return;
      const next = this.start();
      for (const pending of again) {
        pending.retried = true;
        this.waiting.push(pending);
        next.stdin!.write(`${pending.name}\n`);
      }
    };
    child.once('error', (error) => gone(error));
    child.once('exit', () => gone(new Error('git cat-file ended unexpectedly')));
    return child;
  }

  private fail(error: unknown): void {
    const waiting = this.waiting.splice(0);
    for (const pending of waiting) pending.reject(error);
  }

  private answer(value: ObjectInfo | ObjectContent): void {
    const pending = this.waiting.shift();
    if (pending === undefined) throw new Error('git cat-file answered an unasked request');
    pending.resolve(value);
    if (this.waiting.length === 0 && this.child !== undefined) {
      // Idle: the process must not keep Node alive, and ends after a while without requests.
      holdOpen(this.child, false);
      this.idle = setTimeout(() => this.close(), this.idleMs);
      this.idle.unref();
    }
  }

  private parse(chunk: Buffer): void {
    let offset = 0;
    while (offset < chunk.length) {
      if (this.skipNewline) {
        offset++;
        this.skipNewline = false;
        continue;
      }
      if (this.body !== undefined) {
        const take = Math.min(this.body.length - this.filled, chunk.length - offset);
        chunk.copy(this.body, this.filled, offset, offset + take);
        this.filled += take;
        offset += take;
        if (this.filled === this.body.length) {
          const body = this.body;
          this.body = undefined;
          this.skipNewline = true;
          this.answer({ type: this.bodyType, body });
        }
        continue;
      }
      const newline = chunk.indexOf(10, offset);
      if (newline === -1) {
        this.header = Buffer.concat([this.header, chunk.subarray(offset)]);
        return;
      }
      const line = Buffer.concat([this.header, chunk.subarray(offset, newline)]).toString('utf8');
      this.header = Buffer.alloc(0);
      offset = newline + 1;
      if (line.endsWith(' missing')) {
        this.answer(this.mode === '--batch' ? null : 'missing');
        continue;
      }
      if (line.endsWith(' ambiguous')) {
        this.answer(this.mode === '--batch' ? null : 'ambiguous');
        continue;
      }
      const match = /^([0-9a-f]{40,64}) (blob|tree|commit|tag) (\d+)$/.exec(line);
      if (match === null) throw new Error(`git cat-file: unexpected answer ${line.slice(0, 100)}`);
      const type = match[2] as 'blob' | 'tree' | 'commit' | 'tag';
      const size = Number(match[3]);
      if (this.mode === '--batch-check') {
        this.answer({ oid: match[1]!, type, size });
        continue;
      }
      this.bodyType = type;
      this.body = Buffer.allocUnsafe(size);
      this.filled = 0;
      if (size === 0) {
        this.body = undefined;
        this.skipNewline = true;
        this.answer({ type, body: Buffer.alloc(0) });
      }
    }
  }
}

/**
 * The `git cat-file` children of a transport, two per git directory at most (`--batch` for
 * contents, `--batch-check` for types and peeling), for at most `maxRepositories` git
 * directories at once (the least recently used idle one's are ended to start another's).
 */
export interface CatFilePool {
  /** What `name` (a hex object id or prefix, possibly followed by `^{commit}`/`^{tree}`) names. */
  info(gitdir: string, name: string): Promise<ObjectInfo>;
  /** The object `oid` (a full id), or null when the clone lacks it. */
  read(gitdir: string, oid: string): Promise<ObjectContent>;
  /** Ends every child. */
  close(): void;
}

/** Builds a {@link CatFilePool}. */
export function createCatFilePool(
  spawnWith: BatchSpawn,
  options: {
    idleMs?: number;
    maxRepositories?: number;
    /** Told each child's process id as it starts (tests watch restarts with it). */
    onSpawn?: (pid: number | undefined) => void;
  } = {},
): CatFilePool {
  const idleMs = options.idleMs ?? 10_000;
  const maxRepositories = options.maxRepositories ?? 16;
  const repositories = new Map<string, { batch: BatchProcess; check: BatchProcess }>();
  const of = (gitdir: string) => {
    let held = repositories.get(gitdir);
    // Most recently used last.
    if (held !== undefined) repositories.delete(gitdir);
    else
      held = {
        batch: new BatchProcess(spawnWith, gitdir, '--batch', idleMs, options.onSpawn),
        check: new BatchProcess(spawnWith, gitdir, '--batch-check', idleMs, options.onSpawn),
      };
    // The least recently used idle clones' children end; busy ones are never cut off mid-read
    // (the pool then briefly holds more, until they are idle and another clone is read).
    for (const [other, processes] of repositories) {
      if (repositories.size < maxRepositories) break;
      if (processes.batch.busy || processes.check.busy) continue;
      repositories.delete(other);
      processes.batch.close();
      processes.check.close();
    }
    repositories.set(gitdir, held);
    return held;
  };
  const storage = (error: unknown, gitdir: string) =>
    GoosukeError.isInstance(error)
      ? error
      : new GoosukeError(
          'storage',
          `reading objects of ${gitdir} failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
  return {
    info: (gitdir, name) =>
      (of(gitdir).check.request(name) as Promise<ObjectInfo>).catch((error: unknown) => {
        throw storage(error, gitdir);
      }),
    read: (gitdir, oid) =>
      (of(gitdir).batch.request(oid) as Promise<ObjectContent>).catch((error: unknown) => {
        throw storage(error, gitdir);
      }),
    close() {
      for (const { batch, check } of repositories.values()) {
        batch.close();
        check.close();
      }
      repositories.clear();
    },
  };
}
