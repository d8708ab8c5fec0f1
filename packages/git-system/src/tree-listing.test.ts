import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { subcommand, writeRecordingGit } from '../test/recording-git.ts';
import { createSystemGitTransport } from './system-git-transport.ts';

const scratch: string[] = [];
afterEach(async () => {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

const gitEnv = { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' };
const git = (cwd: string, ...args: string[]) =>
  execFileSync('git', ['-C', cwd, '-c', 'user.name=T', '-c', 'user.email=t@example.test', ...args], {
    env: gitEnv,
    encoding: 'utf8',
  }).trim();

describe('trees and sizes listed by git ls-tree', () => {
  it('reads every kind of entry and any path git allows, as git lists them', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'goosuke-tree-listing-'));
    scratch.push(dir);
    git(dir, 'init', '-q', '-b', 'main');
    const odd = 'docs/with space\tand tab\nand newline ü日本.md';
    await mkdir(path.join(dir, 'docs'), { recursive: true });
    await writeFile(path.join(dir, odd), 'odd\n');
    await writeFile(path.join(dir, 'run.sh'), '#!/bin/sh\necho hi\n');
    await chmod(path.join(dir, 'run.sh'), 0o755);
    await writeFile(path.join(dir, 'empty'), '');
    await writeFile(path.join(dir, 'big.bin'), Buffer.alloc(123_456, 7));
    await symlink('run.sh', path.join(dir, 'link'));
    git(dir, 'add', '-A');
    // A submodule: a gitlink entry, listed as a commit with no size.
    git(dir, 'update-index', '--add', '--cacheinfo', `160000,${'a'.repeat(40)},vendor/lib`);
    git(dir, 'commit', '-qm', 'all kinds');
    const head = git(dir, 'rev-parse', 'HEAD');
    const gitdir = path.join(dir, '.git');
    const transport = createSystemGitTransport();

    const read = await transport.readTree!({ gitdir, commit: head });
    const expected = git(dir, 'ls-tree', '-r', '-z', '--full-tree', 'HEAD')
      .split('\0')
      .filter((record) => record !== '')
      .map((record) => {
        const [fields = '', file = ''] = record.split(/\t(.*)/s);
        const [mode = '', , oid = ''] = fields.split(' ');
        return [file, oid, Number.parseInt(mode, 8)];
      });
    // Maps, in git's order, which the backend keeps as they are.
    expect(read.files).toBeInstanceOf(Map);
    const files = read.files as ReadonlyMap<string, { oid: string; mode: number }>;
    expect([...files].map(([file, { oid, mode }]) => [file, oid, mode])).toEqual(expected);
    expect([...files.keys()]).toContain(odd);
    expect([...(read.trees as ReadonlyMap<string, string>)]).toEqual([
      ['', git(dir, 'rev-parse', 'HEAD^{tree}')],
      ['docs', git(dir, 'rev-parse', 'HEAD:docs')],
      ['vendor', git(dir, 'rev-parse', 'HEAD:vendor')],
    ]);

    const sizes = await transport.readSizes!({ gitdir, commit: head });
    expect(Object.fromEntries(sizes)).toEqual({
      [odd]: 4,
      'big.bin': 123_456,
      empty: 0,
      link: 'run.sh'.length,
      'run.sh': 18,
    });
  });

  it('lists a commit once when its sizes and its tree are asked for together, with the same answers', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'goosuke-tree-listing-'));
    scratch.push(dir);
    git(dir, 'init', '-q', '-b', 'main');
    await mkdir(path.join(dir, 'src/lib'), { recursive: true });
    await writeFile(path.join(dir, 'src/lib/a.ts'), 'export const a = 1;\n');
    await writeFile(path.join(dir, 'README.md'), '# readme\n');
    git(dir, 'add', '-A');
    git(dir, 'commit', '-qm', 'one');
    const head = git(dir, 'rev-parse', 'HEAD');
    const gitdir = path.join(dir, '.git');
    // The project's recording git: what the transport asked git for is observed.
    const recording = await writeRecordingGit(await mkdtemp(path.join(tmpdir(), 'goosuke-recording-git-')));
    const wrapper = recording.git;
    const transport = createSystemGitTransport({ git: wrapper });
    const listings = async () =>
      (await recording.invocations()).filter((invocation) => subcommand(invocation) === 'ls-tree');

    const [sizes, tree] = await Promise.all([
      transport.readSizes!({ gitdir, commit: head }),
      transport.readTree!({ gitdir, commit: head }),
    ]);
    expect(await listings()).toHaveLength(1);
    const alone = createSystemGitTransport();
    expect(tree).toEqual(await alone.readTree!({ gitdir, commit: head }));
    expect(sizes).toEqual(await alone.readSizes!({ gitdir, commit: head }));
    expect(Object.fromEntries(sizes)).toEqual({ 'README.md': 9, 'src/lib/a.ts': 20 });

    // Kept in the clone: asked again, by this process or another, git lists nothing more.
    expect(existsSync(path.join(gitdir, 'goosuke', 'listings', head))).toBe(true);
    await transport.readTree!({ gitdir, commit: head });
    const again = createSystemGitTransport({ git: wrapper });
    expect(await again.readSizes!({ gitdir, commit: head })).toEqual(sizes);
    expect(await again.readTree!({ gitdir, commit: head })).toEqual(tree);
    expect(await listings()).toHaveLength(1);
    // A name is no commit id (a branch moves): nothing is kept for it.
    await again.readSizes!({ gitdir, commit: 'main' });
    expect(await listings()).toHaveLength(2);
    expect(readdirSync(path.join(gitdir, 'goosuke', 'listings'))).toEqual([head]);
  });

  it('keeps the listings of the four most recent commits listed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'goosuke-tree-listing-'));
    scratch.push(dir);
    git(dir, 'init', '-q', '-b', 'main');
    const gitdir = path.join(dir, '.git');
    const transport = createSystemGitTransport();
    const commits: string[] = [];
    for (let index = 0; index < 6; index++) {
      await writeFile(path.join(dir, 'file.txt'), `version ${index}\n`);
      git(dir, 'add', '-A');
      git(dir, 'commit', '-qm', `version ${index}`);
      commits.push(git(dir, 'rev-parse', 'HEAD'));
      await transport.readSizes!({ gitdir, commit: commits.at(-1)! });
      // mtimes of a second apart at most: the order must not depend on the clock's resolution.
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    expect(readdirSync(path.join(gitdir, 'goosuke', 'listings')).sort()).toEqual(commits.slice(2).sort());
  });
});
