import { fork } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import type { FlatTree } from './git-objects.ts';
import type { SnapshotWorkerInput, SnapshotWorkerMessage } from './snapshot-worker.ts';

/** Options of {@link buildSnapshotInWorker}. */
export interface SnapshotBuildOptions {
  root: string;
  gitdir: string;
  flat: FlatTree;
  fileConcurrency: number;
  readConcurrency: number;
  onProgress?: (event: { phase: string; loaded: number; total: number }) => void;
}

// Next to this module: `.ts` when running from source, `.js` once built.
const workerUrl = new URL(
  import.meta.url.endsWith('.ts') ? './snapshot-worker.ts' : './snapshot-worker.js',
  import.meta.url,
);

/**
 * Builds a snapshot (every file of `flat`, read-only) in a child Node process (the same
 * executable and flags). Resolves true when built; false when the child could not run at all
 * (it could not start, or it died), with
 * `root` removed so the caller can build it here instead. Rejects when the build itself failed
 * (a missing object, a full disk), as building here would.
 */
export async function buildSnapshotInWorker(options: SnapshotBuildOptions): Promise<boolean> {
  const files: SnapshotWorkerInput['files'] = [];
  options.flat.files.forEach((entry, file) => {
    files.push([file, entry.oid, entry.mode]);
  });
  const input: SnapshotWorkerInput = {
    root: options.root,
    gitdir: options.gitdir,
    files,
    fileConcurrency: options.fileConcurrency,
    readConcurrency: options.readConcurrency,
  };
  const outcome = await new Promise<SnapshotWorkerMessage | null>((resolve) => {
    let settled: SnapshotWorkerMessage | null = null;
    try {
      const child = fork(fileURLToPath(workerUrl), [], {
        // It reads the object store and writes the snapshot: it needs no variable, and gets none.
        env: {},
        // The parent's flags (conditions, loaders) but not a debugger's port, which it holds.
        execArgv: process.execArgv.filter((flag) => !/^--(inspect|debug)/.test(flag)),
        stdio: ['ignore', 'ignore', 'ignore', 'ipc'],
        serialization: 'advanced',
      });
      child.on('message', (message: SnapshotWorkerMessage) => {
        if (message.kind === 'progress') {
          try {
            options.onProgress?.(message);
          } catch {
            // A listener's failure must not break the build.
          }
        } else settled ??= message;
      });
      child.once('error', () => resolve(settled));
      child.once('exit', () => resolve(settled));
      child.send(input);
    } catch {
      resolve(null);
    }
  });
  if (outcome?.kind === 'done') return true;
  if (outcome?.kind === 'failed') {
    throw Object.assign(new Error(outcome.message), outcome.code === undefined ? {} : { code: outcome.code });
  }
  await rm(options.root, { recursive: true, force: true });
  return false;
}
