import * as fs from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { BackendContext } from './backend-context.ts';
import { removeTreeElsewhere } from './working-copy-scan.ts';

// The clone's trash, `<clone>/.git/goosuke/trash/`: directories to delete (removed working
// copies, spares no longer wanted) are renamed there at once (one call) and deleted in the
// background, so that nobody waits for thousands of unlinks.

/** Makes trash names unique within the process (two backends of one process share its id). */
let trashCounter = 0;

/**
 * Renames `directory` into the clone's trash and has it deleted in the background (the
 * backend's `removals` limiter); returns its path in the trash, or null when it cannot be
 * renamed there (another file system, a permission) or is gone already: it is then untouched.
 * The first call of a backend on a clone also sweeps what an ended process left in its trash.
 */
export async function moveToTrash(
  context: BackendContext,
  cloneGitdir: string,
  directory: string,
): Promise<string | null> {
  const trashDir = path.join(cloneGitdir, 'goosuke', 'trash');
  if (!context.sweptTrash.has(cloneGitdir)) {
    context.sweptTrash.add(cloneGitdir);
    for (const name of await readdir(trashDir).catch(() => [] as string[]))
      void context.removals.run(() => removeTreeElsewhere(path.join(trashDir, name))).catch(() => undefined);
  }
  // Nothing to move: no trash is made either (a background task must not make directories
  // again in a clone being deleted).
  if (!fs.existsSync(directory)) return null;
  const target = path.join(trashDir, `${path.basename(directory)}-${process.pid}-${trashCounter++}`);
  try {
    fs.mkdirSync(trashDir, { recursive: true });
    fs.renameSync(directory, target);
  } catch {
    // Gone already, or not renamable there (EXDEV, EPERM): the caller decides.
    return null;
  }
  void context.removals.run(() => removeTreeElsewhere(target)).catch(() => undefined);
  return target;
}

/**
 * A reset's `discard` (see `SnapshotResetOptions`): hands a directory the reset does not keep to
 * the clone's trash; resolves false when it could not (the reset then deletes it itself).
 */
export function discardInto(
  context: BackendContext,
  cloneGitdir: string,
): (directory: string) => Promise<boolean> {
  return async (directory) => (await moveToTrash(context, cloneGitdir, directory)) !== null;
}
