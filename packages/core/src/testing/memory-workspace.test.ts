import { describe, expect, it } from 'vitest';
import { InvalidInputError } from '../errors/index.ts';
import { createMemoryWorkspace } from './memory-workspace.ts';
import { describeWorkspaceConformance } from './workspace-conformance.ts';

describeWorkspaceConformance('in memory', {
  async create(files) {
    return { workspace: createMemoryWorkspace(files) };
  },
});

describeWorkspaceConformance('in memory, with a revision', {
  async create(files) {
    return { workspace: createMemoryWorkspace(files, { revision: 'c0ffee' }) };
  },
});

describe('createMemoryWorkspace', () => {
  it('lists files sorted by code unit and reads them, null when missing', async () => {
    const workspace = createMemoryWorkspace({ 'src/b.ts': 'b', 'README.md': 'r', 'src/a.ts': 'a', Z: 'z' });
    expect(await workspace.listFiles()).toEqual(['README.md', 'Z', 'src/a.ts', 'src/b.ts']);
    expect(await workspace.readFile('src/a.ts')).toBe('a');
    expect(await workspace.readFile('./src//a.ts')).toBe('a');
    expect(await workspace.readFile('src/missing.ts')).toBeNull();
    expect(workspace.root).toBe('/memory-workspace');
    expect(createMemoryWorkspace({}, { root: '/tmp/x' }).root).toBe('/tmp/x');
  });

  it('writes, creates and deletes files in one change set', async () => {
    const workspace = createMemoryWorkspace({ 'a.txt': 'old', 'gone.txt': 'bye' });
    await workspace.writeFiles([
      { path: 'a.txt', content: 'new' },
      { path: 'dir/new.txt', content: 'hello' },
      { path: 'gone.txt', content: null },
      { path: 'never-there.txt', content: null },
    ]);
    expect(workspace.snapshot()).toEqual({ 'a.txt': 'new', 'dir/new.txt': 'hello' });
    expect(await workspace.listFiles()).toEqual(['a.txt', 'dir/new.txt']);
  });

  it.each([
    ['../outside.txt'],
    ['a/../../b'],
    ['a/../b'],
    ['/etc/passwd'],
    ['C:/x'],
    ['dir\\file.txt'],
    [''],
    ['./'],
    ['a\0b'],
  ])('refuses %j before writing anything', async (path) => {
    const workspace = createMemoryWorkspace({ 'a.txt': 'old' });
    const write = workspace.writeFiles([
      { path: 'a.txt', content: 'changed' },
      { path, content: 'x' },
    ]);
    await expect(write).rejects.toBeInstanceOf(InvalidInputError);
    expect(workspace.snapshot()).toEqual({ 'a.txt': 'old' });
    await expect(workspace.readFile(path)).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('refuses a path changed twice in one write, leaving everything as it was', async () => {
    const workspace = createMemoryWorkspace({ 'a.txt': 'old' });
    await expect(
      workspace.writeFiles([
        { path: 'a.txt', content: 'one' },
        { path: './a.txt', content: 'two' },
      ]),
    ).rejects.toThrow(/changed twice/);
    expect(workspace.snapshot()).toEqual({ 'a.txt': 'old' });
  });

  it('refuses bad initial paths and hands out copies in snapshots', async () => {
    expect(() => createMemoryWorkspace({ '../x': 'x' })).toThrow(InvalidInputError);
    const workspace = createMemoryWorkspace({ 'a.txt': 'a' });
    const snapshot = workspace.snapshot();
    snapshot['a.txt'] = 'mutated';
    expect(await workspace.readFile('a.txt')).toBe('a');
  });

  it('reports its revision until the first write, even a refused one', async () => {
    const workspace = createMemoryWorkspace({ 'a.txt': 'a' }, { revision: 'c0ffee' });
    expect(workspace.revision).toBe('c0ffee');
    await workspace.readFile('a.txt');
    expect(workspace.revision).toBe('c0ffee');
    await expect(workspace.writeFiles([{ path: '../x', content: 'x' }])).rejects.toThrow(InvalidInputError);
    expect(workspace.revision).toBeUndefined();
    expect(createMemoryWorkspace({}).revision).toBeUndefined();
  });

  it('refuses initial files that need a file as a directory', () => {
    expect(() => createMemoryWorkspace({ a: 'file', 'a/b': 'under it' })).toThrow(/a\/b under a/);
  });

  it('honours an aborted signal when listing', async () => {
    const workspace = createMemoryWorkspace({ 'a.txt': 'a' });
    const controller = new AbortController();
    controller.abort(new Error('stop'));
    await expect(workspace.listFiles({ signal: controller.signal })).rejects.toThrow('stop');
  });
});
