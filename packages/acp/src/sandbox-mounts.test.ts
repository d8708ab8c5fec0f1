import { mkdir, mkdtemp, realpath, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { existingPaths, type MountRequest, mountArguments, readPathList } from './sandbox-mounts.ts';

const hide = (file: string, directory = true): MountRequest => ({ path: file, kind: 'hide', directory });
const readOnly = (file: string): MountRequest => ({ path: file, kind: 'read-only', directory: true });
const writable = (file: string): MountRequest => ({ path: file, kind: 'writable', directory: true });

describe('mountArguments', () => {
  it('hides directories with a tmpfs and files with /dev/null, then binds the run back', () => {
    expect(
      mountArguments([
        hide('/root'),
        hide('/srv/goosuke/.env', false),
        writable('/root/.goosuke/copies/c1'),
        readOnly('/root/.goosuke/copies/c1/.git'),
        readOnly('/root/.goosuke/clones/r1/.git'),
        readOnly('/root/.nvm/versions/node/v24'),
        writable('/tmp/goosuke-agents-0/run-1/home'),
      ]),
    ).toEqual([
      ['--tmpfs', '/root'],
      ['--ro-bind', '/dev/null', '/srv/goosuke/.env'],
      // Ancestors first; among unrelated paths of one depth, the order asked.
      ['--bind', '/root/.goosuke/copies/c1', '/root/.goosuke/copies/c1'],
      ['--bind', '/tmp/goosuke-agents-0/run-1/home', '/tmp/goosuke-agents-0/run-1/home'],
      ['--ro-bind', '/root/.goosuke/copies/c1/.git', '/root/.goosuke/copies/c1/.git'],
      ['--ro-bind', '/root/.goosuke/clones/r1/.git', '/root/.goosuke/clones/r1/.git'],
      ['--ro-bind', '/root/.nvm/versions/node/v24', '/root/.nvm/versions/node/v24'],
    ]);
  });

  it('lets the deepest path decide, whatever the order asked', () => {
    const requests = [
      readOnly('/home/u/.config'),
      hide('/home/u'),
      hide('/home/u/.config/gh/hosts.yml', false),
      writable('/home/u/.config/work'),
    ];
    const expected = [
      ['--tmpfs', '/home/u'],
      ['--ro-bind', '/home/u/.config', '/home/u/.config'],
      ['--bind', '/home/u/.config/work', '/home/u/.config/work'],
      ['--ro-bind', '/dev/null', '/home/u/.config/gh/hosts.yml'],
    ];
    expect(mountArguments(requests)).toEqual(expected);
    expect(mountArguments([...requests].reverse())).toEqual(expected);
  });

  it('keeps what is read-only inside the writable copy read-only, and a copy inside a git directory writable', () => {
    expect(
      mountArguments([writable('/w/copy'), readOnly('/w/copy/.git'), readOnly('/w/copy/.git/modules')]),
    ).toEqual([
      ['--bind', '/w/copy', '/w/copy'],
      ['--ro-bind', '/w/copy/.git', '/w/copy/.git'],
    ]);
    expect(
      mountArguments([readOnly('/d/clone/.git'), hide('/d'), writable('/d/clone/.git/copies/c')]),
    ).toEqual([
      ['--tmpfs', '/d'],
      ['--ro-bind', '/d/clone/.git', '/d/clone/.git'],
      ['--bind', '/d/clone/.git/copies/c', '/d/clone/.git/copies/c'],
    ]);
  });

  it('settles one path asked twice: writable over hidden, hidden over read-only', () => {
    expect(mountArguments([hide('/data'), writable('/data')])).toEqual([['--bind', '/data', '/data']]);
    expect(mountArguments([readOnly('/home/u'), hide('/home/u')])).toEqual([['--tmpfs', '/home/u']]);
    expect(mountArguments([hide('/x', false), hide('/x', false)])).toEqual([
      ['--ro-bind', '/dev/null', '/x'],
    ]);
  });

  it('leaves out mounts that change nothing', () => {
    expect(
      mountArguments([
        // Visible anyway: the host's read-only file system shows it.
        readOnly('/usr/local'),
        // Inside a hidden directory with nothing shown around it: hidden already.
        hide('/srv/data'),
        hide('/srv/data/goosuke.db', false),
        // Inside a read-only bind-back: the same files.
        hide('/opt'),
        readOnly('/opt/node'),
        readOnly('/opt/node/bin'),
        readOnly('/'),
        hide('/'),
      ]),
    ).toEqual([
      ['--tmpfs', '/opt'],
      ['--tmpfs', '/srv/data'],
      ['--ro-bind', '/opt/node', '/opt/node'],
    ]);
  });
});

describe('existingPaths', () => {
  it('resolves links, skips what does not exist and duplicates, and tells directories from files', async () => {
    const dir = await realpath(await mkdtemp(path.join(tmpdir(), 'goosuke-mounts-')));
    try {
      await mkdir(path.join(dir, 'home'));
      await writeFile(path.join(dir, '.env'), 'KEY=x\n');
      await symlink(path.join(dir, 'home'), path.join(dir, 'home-link'));
      await symlink(path.join(dir, '.env'), path.join(dir, 'env-link'));
      expect(
        await existingPaths([
          path.join(dir, 'home-link'),
          path.join(dir, 'missing'),
          path.join(dir, 'home'),
          path.join(dir, 'env-link'),
        ]),
      ).toEqual([
        { path: path.join(dir, 'home'), directory: true },
        { path: path.join(dir, '.env'), directory: false },
      ]);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('readPathList', () => {
  it('normalises absolute paths', () => {
    expect(readPathList('visiblePaths', ['/a/b/../c/', '/d'])).toEqual(['/a/c', '/d']);
    expect(readPathList('visiblePaths', undefined)).toEqual([]);
  });

  it.each<[unknown, RegExp]>([
    ['/a', /visiblePaths must be an array/],
    [['a/b'], /visiblePaths must be an absolute path, not "a\/b"/],
    [[1], /visiblePaths must be an absolute path/],
    [['/a\0b'], /visiblePaths must be an absolute path/],
    [['/a/..'], /visiblePaths cannot show \//],
  ])('refuses %j with InvalidInputError', (value, message) => {
    expect(() => readPathList('visiblePaths', value)).toThrow(
      expect.objectContaining({ name: 'InvalidInputError', message: expect.stringMatching(message) }),
    );
  });
});
