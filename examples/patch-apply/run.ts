// The README's "main job" for now: apply a model's reply to a copy of a small project
// with `goosuke patch apply`, the way an agent's output is applied.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', '..', 'packages', 'cli', 'bin', 'goosuke.js');
const reply = join(here, 'reply.md');
const work = mkdtempSync(join(tmpdir(), 'goosuke-example-'));

function goosuke(...args: string[]): number {
  console.log(`$ goosuke ${args.join(' ')}`);
  const result = spawnSync(process.execPath, [bin, ...args], { stdio: 'inherit' });
  return result.status ?? 1;
}

try {
  cpSync(join(here, 'project'), work, { recursive: true });
  let status = goosuke('patch', 'apply', '--check', '--dir', work, reply);
  if (status === 0) status = goosuke('patch', 'apply', '--dir', work, reply);
  if (status === 0) {
    console.log(`\n${join(work, 'src', 'slugify.ts')} now reads:\n`);
    console.log(readFileSync(join(work, 'src', 'slugify.ts'), 'utf8'));
  }
  process.exitCode = status;
} finally {
  rmSync(work, { recursive: true, force: true });
}
