// A process for the spare-copies test: run with Node's type stripping,
//   node --conditions=@goosuke/source test/spare-copy-process.ts <clone dir> <url> <copy dir> [in-place]
// It makes a hard-linked working copy of `main` in the clone (with `in-place`, an in-place-writes
// copy, whose files are its own: one is written in place), changes a file, removes the copy and
// ends as a `goosuke run` does: as soon as nothing but the spare's background reset is left
// (which must not keep it alive).
// It prints the copy root's inode, after making the root's mode 0700.
import { appendFileSync, chmodSync, statSync } from 'node:fs';
import path from 'node:path';
import { createIsomorphicGitBackend } from '../src/index.ts';

const [dir, url, copyDir, mode] = process.argv.slice(2);
if (dir === undefined || url === undefined || copyDir === undefined) {
  throw new Error('usage: spare-copy-process.ts <clone dir> <url> <copy dir>');
}
const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
const workspace = await backend.createWorkingCopy({
  repo: { dir, url },
  baseRef: 'main',
  branch: `process-${process.pid}`,
  dir: copyDir,
  inPlaceWrites: mode === 'in-place',
});
if (mode === 'in-place') appendFileSync(path.join(workspace.root, 'd0/f1.txt'), 'written in place\n');
await workspace.writeFiles([{ path: 'changed-by-the-process.txt', content: 'left behind\n' }]);
// A reset's first step gives the root a fresh directory's mode back: this shows whether one began.
chmodSync(workspace.root, 0o700);
process.stdout.write(`${statSync(workspace.root).ino}\n`);
await backend.removeWorkingCopy({ workspace });
