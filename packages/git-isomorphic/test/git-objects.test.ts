import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  buildTree,
  commitTree,
  compareCodePoints,
  flattenTree,
  type TreeFile,
  writeLooseObject,
} from '../src/git-objects.ts';
import { runGit } from './git-cli.ts';

describe('compareCodePoints', () => {
  it('orders like the UTF-8 bytes, as git sorts tree entries', () => {
    const names = [
      'a',
      'a/',
      'a-b',
      'a.b',
      'a0',
      'B',
      'b',
      'é',
      '日本',
      '\uE000x',
      '\uFFFD',
      '😀',
      '😀a',
      'z',
    ];
    const byBytes = [...names].sort((left, right) => Buffer.compare(Buffer.from(left), Buffer.from(right)));
    expect([...names].sort(compareCodePoints)).toEqual(byBytes);
    // Plain code-unit order puts the emoji (a surrogate pair) before U+E000; UTF-8 does not.
    expect(compareCodePoints('😀', '\uE000')).toBeGreaterThan(0);
    expect(compareCodePoints('same', 'same')).toBe(0);
  });
});

describe('buildTree', () => {
  let scratch = '';
  let repo = '';
  const files: Record<string, string> = {
    'README.md': 'readme\n',
    'src/a.ts': 'a\n',
    'src/deep/nested/b.ts': 'b\n',
    'src/deep/c.ts': 'c\n',
    'docs/only.md': 'only\n',
    'lib/x': 'x is a file\n',
    'ünïcode/名前.txt': 'unicode\n',
    'keep/untouched/1.txt': '1\n',
    'keep/untouched/2.txt': '2\n',
  };

  beforeAll(async () => {
    scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-objects-'));
    repo = path.join(scratch, 'repo');
    await runGit(scratch, ['init', '-q', '-b', 'main', repo]);
    for (const [file, content] of Object.entries(files)) {
      await mkdir(path.dirname(path.join(repo, file)), { recursive: true });
      await writeFile(path.join(repo, file), content);
    }
    await runGit(repo, ['add', '-A']);
    await runGit(repo, ['commit', '-q', '-m', 'base']);
  });

  afterAll(async () => {
    if (scratch !== '') await rm(scratch, { recursive: true, force: true });
  });

  const gitdir = () => path.join(repo, '.git');
  const parentTree = async () => {
    const head = (await runGit(repo, ['rev-parse', 'HEAD'])).trim();
    return flattenTree(gitdir(), await commitTree(gitdir(), head, {}), {});
  };
  const blob = async (content: string): Promise<string> =>
    writeLooseObject(path.join(gitdir(), 'objects'), 'blob', Buffer.from(content));

  it("gives the parent's root id when nothing changed", async () => {
    const parent = await parentTree();
    expect(await buildTree(path.join(gitdir(), 'objects'), new Map(parent.files), parent)).toBe(
      parent.trees.get(''),
    );
  });

  it('builds the same tree as git for changes, additions, deletions, an emptied directory and a file become a directory', async () => {
    const parent = await parentTree();
    const next = new Map<string, TreeFile>(parent.files);
    next.set('src/deep/nested/b.ts', { oid: await blob('b changed\n'), mode: 0o100644 });
    next.set('src/new/added.ts', { oid: await blob('added\n'), mode: 0o100755 });
    next.delete('docs/only.md');
    next.delete('lib/x');
    next.set('lib/x/inside.txt', { oid: await blob('now a directory\n'), mode: 0o100644 });
    next.set('ünïcode/😀.txt', { oid: await blob('emoji\n'), mode: 0o100644 });
    const built = await buildTree(path.join(gitdir(), 'objects'), next, parent);

    // git's own answer: the same entries through its index.
    const index = path.join(scratch, 'index');
    const env = { GIT_INDEX_FILE: index };
    const lines = [...next].map(([file, entry]) => `${entry.mode.toString(8)} ${entry.oid}\t${file}`);
    await runGit(repo, ['update-index', '--add', '--index-info'], { env, input: `${lines.join('\n')}\n` });
    const expected = (await runGit(repo, ['write-tree'], { env })).trim();
    expect(built).toBe(expected);
    // Every tree it wrote is a valid object git can read back.
    expect(await runGit(repo, ['ls-tree', '-r', '--name-only', built])).toContain('lib/x/inside.txt');
  });

  it('builds the same tree as git when a directory becomes a file, inside a new nested directory, and the parent is reused', async () => {
    const parent = await parentTree();
    const next = new Map<string, TreeFile>(parent.files);
    next.delete('keep/untouched/1.txt');
    next.delete('keep/untouched/2.txt');
    next.set('keep/untouched', { oid: await blob('now a file\n'), mode: 0o100644 });
    next.set('brand/new/deeper/file.ts', { oid: await blob('deep\n'), mode: 0o100644 });
    next.set('src/a.ts', { oid: parent.files.get('src/a.ts')!.oid, mode: 0o100755 });
    const objects = path.join(gitdir(), 'objects');
    const expectedOf = async (entries: Map<string, TreeFile>, name: string): Promise<string> => {
      const env = { GIT_INDEX_FILE: path.join(scratch, name) };
      const lines = [...entries].map(([file, entry]) => `${entry.mode.toString(8)} ${entry.oid}\t${file}`);
      await runGit(repo, ['update-index', '--add', '--index-info'], { env, input: `${lines.join('\n')}\n` });
      return (await runGit(repo, ['write-tree'], { env })).trim();
    };
    expect(await buildTree(objects, next, parent)).toBe(await expectedOf(next, 'index-2'));
    // The same parent again (its listing is cached), with a different change.
    const other = new Map<string, TreeFile>(parent.files);
    other.delete('README.md');
    expect(await buildTree(objects, other, parent)).toBe(await expectedOf(other, 'index-3'));
  });
});
