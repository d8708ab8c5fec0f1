// A process for the spare-copies test: run with Node's type stripping,
//   node --conditions=@goosuke/source test/spare-copy-process.ts <clone dir> <url> <copy dir>
// It makes a hard-linked working copy of `main` in the clone, changes a file, removes the copy
// and ends as a `goosuke run` does: as soon as nothing but the spare's background reset is left
// (which must not keep it alive).
// It prints the copy root's inode, after making the root's mode 0700.
import { chmodSync, statSync } from 'node:fs';
import { createIsomorphicGitBackend } from '../src/index.ts';

const [dir, url, copyDir] = process.argv.slice(2);
if (dir === undefined || url === undefined || copyDir === undefined) {
  throw new Error('usage: spare-copy-process.ts <clone dir> <url> <copy dir>');
}
const backend = createIsomorphicGitBackend({ checkout: 'hardlink' });
const workspace = await backend.createWorkingCopy({
  repo: { dir, url },
  baseRef: 'main',
  branch: `process-${process.pid}`,
  dir: copyDir,
});
await workspace.writeFiles([{ path: 'changed-by-the-process.txt', content: 'left behind\n' }]);
// A reset's first step gives the root a fresh directory's mode back: this shows whether one began.
chmodSync(workspace.root, 0o700);
process.stdout.write(`${statSync(workspace.root).ino}\n`);
await backend.removeWorkingCopy({ workspace });
