// `npm run bench`: runs every benchmark under bench/ in its own Node process, one after
// the other (they measure time; running them in parallel on 2 cores would skew them).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const only = process.argv.slice(2);
const benches = readdirSync(here)
  .filter((name) => name.endsWith('.bench.ts'))
  .filter((name) => only.length === 0 || only.some((filter) => name.includes(filter)))
  .sort();

let failed = 0;
for (const name of benches) {
  console.log(`\n## ${name}\n`);
  const result = spawnSync(process.execPath, [join(here, name)], { stdio: 'inherit' });
  if (result.status !== 0) {
    failed++;
    console.log(`${name} exited with ${result.status ?? result.signal}`);
  }
}
process.exitCode = failed === 0 ? 0 : 1;
