import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readRegularFileSync } from './read-file-sync.ts';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'goosuke-read-sync-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('readRegularFileSync', () => {
  it('reads a regular file whole', async () => {
    await writeFile(path.join(dir, 'a.txt'), 'héllo\r\nworld');
    expect(readRegularFileSync(path.join(dir, 'a.txt'), 1024)?.toString('utf8')).toBe('héllo\r\nworld');
    await writeFile(path.join(dir, 'empty.txt'), '');
    expect(readRegularFileSync(path.join(dir, 'empty.txt'), 1024)?.length).toBe(0);
  });

  it('returns undefined for a missing path, a directory, a final symbolic link and a file over the limit', async () => {
    await mkdir(path.join(dir, 'sub'));
    await writeFile(path.join(dir, 'big.txt'), 'x'.repeat(100));
    await symlink('big.txt', path.join(dir, 'link.txt'));
    expect(readRegularFileSync(path.join(dir, 'missing.txt'), 1024)).toBeUndefined();
    expect(readRegularFileSync(path.join(dir, 'sub'), 1024)).toBeUndefined();
    expect(readRegularFileSync(path.join(dir, 'link.txt'), 1024)).toBeUndefined();
    expect(readRegularFileSync(path.join(dir, 'big.txt'), 99)).toBeUndefined();
    expect(readRegularFileSync(path.join(dir, 'big.txt'), 100)?.length).toBe(100);
  });

  it('returns undefined when the check refuses the opened file', async () => {
    await writeFile(path.join(dir, 'a.txt'), 'text');
    let seen: number | undefined;
    const refused = readRegularFileSync(path.join(dir, 'a.txt'), 1024, (descriptor) => {
      seen = descriptor;
      return false;
    });
    expect(refused).toBeUndefined();
    expect(typeof seen).toBe('number');
  });

  it.skipIf(process.platform === 'win32')('does not wait for a writer on a FIFO', async () => {
    await promisify(execFile)('mkfifo', [path.join(dir, 'pipe')]);
    expect(readRegularFileSync(path.join(dir, 'pipe'), 1024)).toBeUndefined();
  });
});
