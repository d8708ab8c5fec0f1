// The child process that builds a commit's read-only snapshot (see `buildSnapshotInWorker`):
// reading thousands of blobs through isomorphic-git inflates them in JavaScript, seconds of
// work and tens of megabytes of short-lived buffers that would otherwise stall the server's
// only JavaScript thread and grow its heap (and its allocator's arenas) for good. A process
// gives all of it back when it exits; a worker thread would not give back its arena.
import { checkoutFiles } from './checkout-files.ts';
import type { TreeFile } from './git-objects.ts';

/** What the worker is given. */
export interface SnapshotWorkerInput {
  root: string;
  gitdir: string;
  /** `[path, oid, mode]` of every entry of the tree. */
  files: Array<[string, string, number]>;
  fileConcurrency: number;
  readConcurrency: number;
}

/** What the worker posts: progress, then one `done` or `failed`. */
export type SnapshotWorkerMessage =
  | { kind: 'progress'; phase: string; loaded: number; total: number }
  | { kind: 'done' }
  | { kind: 'failed'; message: string; code: string | undefined };

const post = (message: SnapshotWorkerMessage): Promise<void> =>
  new Promise((resolve) => {
    if (process.send === undefined) resolve();
    else process.send(message, undefined, {}, () => resolve());
  });

async function build(input: SnapshotWorkerInput): Promise<void> {
  const files = new Map<string, TreeFile>(input.files.map(([file, oid, mode]) => [file, { oid, mode }]));
  await checkoutFiles({
    root: input.root,
    gitdir: input.gitdir,
    flat: { files, trees: new Map() },
    cache: {},
    fileConcurrency: input.fileConcurrency,
    readConcurrency: input.readConcurrency,
    // Read-only, so that an in-place write through a hard link fails instead of changing every copy.
    permissions: (mode) => (mode === 0o100755 ? 0o555 : 0o444),
    onProgress: (event) => void post({ kind: 'progress', ...event }),
  });
}

// The parent died (its channel closed) before the build ended: nobody will use the result.
let finished = false;
process.once('disconnect', () => {
  if (!finished) process.exit(1);
});

process.once('message', (input: SnapshotWorkerInput) => {
  build(input)
    .then(
      () => post({ kind: 'done' }),
      (error: unknown) =>
        post({
          kind: 'failed',
          message: error instanceof Error ? error.message : String(error),
          code: (error as { code?: string }).code,
        }),
    )
    .finally(() => {
      finished = true;
      process.disconnect?.();
    });
});
