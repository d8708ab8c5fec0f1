// Rules about the source tree itself that no compiler checks: production files stay small enough
// to read (split by role past 600 lines), and every name a package exports is listed on purpose
// (no `export *`; the API reports in packages/*/api hold what each entry exports).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const packagesDir = path.resolve(import.meta.dirname, '..', '..');

/** Every production `.ts` file under `packages/*\/src`: not tests, not `testing/`, not fixtures. */
async function productionFiles(): Promise<string[]> {
  const files: string[] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (entry.name === 'testing' || entry.name === 'fixtures' || entry.name === 'node_modules') continue;
        await walk(full);
      } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.test.ts')) files.push(full);
    }
  };
  for (const name of await readdir(packagesDir)) {
    const src = path.join(packagesDir, name, 'src');
    await walk(src).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
  return files.sort();
}

describe('the source tree', () => {
  it('has no production source file over 600 lines', async () => {
    const files = await productionFiles();
    // The scan itself must see the tree.
    expect(files.length).toBeGreaterThan(100);
    const long: string[] = [];
    for (const file of files) {
      const lines = (await readFile(file, 'utf8')).split('\n').length - 1;
      if (lines > 600) long.push(`${path.relative(packagesDir, file)} (${lines} lines)`);
    }
    expect(long, 'split these by role').toEqual([]);
  });

  it('re-exports nothing wholesale: no `export *` in any source file', async () => {
    const wholesale: string[] = [];
    for (const file of await productionFiles()) {
      if (/^\s*export\s+(type\s+)?\*/m.test(await readFile(file, 'utf8'))) {
        wholesale.push(path.relative(packagesDir, file));
      }
    }
    expect(wholesale, 'list the names instead').toEqual([]);
  });
});
