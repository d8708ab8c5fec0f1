// `npm run bench`: runs every benchmark under bench/ in its own Node process, one after
// the other (they measure time; running them in parallel on 2 cores would skew them).
//
//   node bench/run.ts [filter...] [--size 3k|20k|50k ...]
//
// Filters keep the benches whose file name contains one of them. `real-shaped` keeps the run
// benches that measure real-shaped repositories (real-shaped-repo.ts) and measures only those, not
// the fixtures. `--size` (repeatable, or comma-separated) chooses the real-shaped sizes
// (GOOSUKE_BENCH_REAL_SHAPED; default `3k`; the 20k and 50k repositories take minutes to build
// the first time and the benches on them minutes more, so they are opt-in).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
/** The benches that also run on the real-shaped repositories. */
const realShapedBenches = ['run-overhead', 'run-process', 'run-memory', 'git-backends'];
const args = process.argv.slice(2);
const sizes: string[] = [];
const only: string[] = [];
for (let index = 0; index < args.length; index++) {
  if (args[index] === '--size') sizes.push(args[++index] ?? '');
  else only.push(args[index]!);
}
const env: NodeJS.ProcessEnv = { ...process.env };
if (sizes.length > 0) env.GOOSUKE_BENCH_REAL_SHAPED = sizes.join(',');
const realShapedOnly = only.includes('real-shaped');
if (realShapedOnly) env.GOOSUKE_BENCH_FIXTURE = '0';
const filters = realShapedOnly
  ? [...only.filter((filter) => filter !== 'real-shaped'), ...(only.length === 1 ? realShapedBenches : [])]
  : only;
const benches = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => !realShapedOnly || realShapedBenches.some((bench) => name.startsWith(bench)))
  .filter((name) => filters.length === 0 || filters.some((filter) => name.includes(filter)))
  .sort();

let failed = 0;
for (const name of benches) {
  console.log(`\n## ${name}\n`);
  const result = spawnSync(process.execPath, [join(here, name)], { stdio: 'inherit', env });
  if (result.status !== 0) {
    failed++;
    console.log(`${name} exited with ${result.status ?? result.signal}`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
