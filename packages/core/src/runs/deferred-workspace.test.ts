import { describe, expect, it } from 'vitest';
import { GoosukeError, InvalidInputError } from '../errors/index.ts';
import type { CommitFiles, Workspace } from '../ports/workspace.ts';
import { createMemoryWorkspace, describeWorkspaceConformance } from '../testing/index.ts';
import { createDeferredWorkspace } from './deferred-workspace.ts';

describeWorkspaceConformance('deferred, over a commit and an in-memory copy', {
  async create(files) {
    const commit = createMemoryWorkspace(files);
    const base: CommitFiles = {
      revision: 'c0ffee',
      listFiles: () => commit.listFiles(),
      // A commit answers by exact path and has no directories to refuse: the deferred workspace
      // must apply the workspace path rule itself.
      readFile: async (path) => commit.snapshot()[path] ?? null,
    };
    let copy: Promise<Workspace> | undefined;
    const workspace = createDeferredWorkspace({
      root: '/work/deferred',
      base,
      copy: () => {
        copy ??= Promise.resolve(createMemoryWorkspace(files));
        return copy;
      },
    });
    return { workspace };
  },
});

const baseFiles = { 'a.txt': 'base a\n', 'src/b.ts': 'export const b = 1;\n' };

/** The base commit's files, counting reads. */
function commitFiles(revision = 'c0ffee') {
  const reads: string[] = [];
  const files: CommitFiles = {
    revision,
    listFiles: async () => Object.keys(baseFiles).sort(),
    readFile: async (path) => {
      reads.push(path);
      return (baseFiles as Record<string, string>)[path] ?? null;
    },
  };
  return { files, reads };
}

/** A copy factory that makes the copy only when released, counting calls. */
function slowCopy(copy: Workspace) {
  let calls = 0;
  let release: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => {
    release = resolve;
  });
  let made: Promise<Workspace> | null = null;
  return {
    start: () => {
      calls++;
      made ??= ready.then(() => copy);
      return made;
    },
    release: () => release(),
    calls: () => calls,
  };
}

describe('createDeferredWorkspace', () => {
  it('reads the base commit until the first write, which waits for the copy; later reads go to the copy', async () => {
    const base = commitFiles();
    const copyFiles = createMemoryWorkspace({ ...baseFiles });
    const copy = slowCopy(copyFiles);
    const workspace = createDeferredWorkspace({ root: '/work/copy', base: base.files, copy: copy.start });
    expect(workspace.root).toBe('/work/copy');
    expect(workspace.revision).toBe('c0ffee');
    expect(await workspace.listFiles()).toEqual(['a.txt', 'src/b.ts']);
    expect(await workspace.readFile('a.txt')).toBe('base a\n');
    expect(base.reads).toEqual(['a.txt']);
    expect(copy.calls()).toBe(0);

    let written = false;
    const writing = workspace.writeFiles([{ path: 'a.txt', content: 'changed\n' }]).then(() => {
      written = true;
    });
    expect(workspace.revision).toBeUndefined();
    await Promise.resolve();
    expect(written).toBe(false);
    copy.release();
    await writing;
    expect(await copyFiles.readFile('a.txt')).toBe('changed\n');
    expect(await workspace.readFile('a.txt')).toBe('changed\n');
    await workspace.writeFiles([
      { path: 'src/new.ts', content: 'new\n' },
      { path: 'src/b.ts', content: null },
    ]);
    expect(await workspace.listFiles()).toEqual(['a.txt', 'src/new.ts']);
    expect(base.reads).toEqual(['a.txt']);
    expect(workspace.writtenPaths()?.sort()).toEqual(['a.txt', 'src/b.ts', 'src/new.ts']);
    expect(copy.calls()).toBeGreaterThanOrEqual(1);
  });

  it('records no path of a refused change set, and gives up on paths not in normal form', async () => {
    const copyFiles = createMemoryWorkspace({ ...baseFiles });
    const workspace = createDeferredWorkspace({
      root: '/copy',
      base: commitFiles().files,
      copy: async () => copyFiles,
    });
    await expect(workspace.writeFiles([{ path: '../escape', content: 'x' }])).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    expect(workspace.writtenPaths()).toEqual([]);
    await workspace.writeFiles([{ path: './a.txt', content: 'dotted\n' }]);
    expect(await copyFiles.readFile('a.txt')).toBe('dotted\n');
    expect(workspace.writtenPaths()).toBeUndefined();
  });

  it('reports a copy that could not be made as a run failure, never as a refused edit', async () => {
    for (const failure of [
      new InvalidInputError('bad branch'),
      new GoosukeError('storage', 'disk full'),
      new Error('boom'),
    ]) {
      const workspace = createDeferredWorkspace({
        root: '/copy',
        base: commitFiles().files,
        copy: () => Promise.reject(failure),
      });
      const error = await workspace
        .writeFiles([{ path: 'a.txt', content: 'x' }])
        .catch((caught: unknown) => caught);
      expect(GoosukeError.isInstance(error)).toBe(true);
      expect(error).not.toBeInstanceOf(InvalidInputError);
      expect((error as GoosukeError).code).toBe(
        failure instanceof GoosukeError && failure.code === 'storage' ? 'storage' : 'internal',
      );
    }
  });
});

describe('createDeferredWorkspace and sizes', () => {
  it('lists sizes from the base before the first write and from the copy after it', async () => {
    const { files } = commitFiles();
    const base: CommitFiles = {
      ...files,
      listSizes: async () => [
        { path: 'a.txt', bytes: 7 },
        { path: 'src/b.ts', bytes: 20 },
      ],
    };
    const copy = createMemoryWorkspace(baseFiles);
    const workspace = createDeferredWorkspace({ root: '/work/sizes', base, copy: async () => copy });
    expect(await workspace.listSizes?.()).toEqual([
      { path: 'a.txt', bytes: 7 },
      { path: 'src/b.ts', bytes: 20 },
    ]);
    await workspace.writeFiles([{ path: 'a.txt', content: 'é\n' }]);
    // The copy lists no sizes itself: they are counted from its files.
    expect(await workspace.listSizes?.()).toEqual([
      { path: 'a.txt', bytes: 3 },
      { path: 'src/b.ts', bytes: 20 },
    ]);
  });

  it('offers no sizes when the base lists none', () => {
    const workspace = createDeferredWorkspace({
      root: '/work/no-sizes',
      base: commitFiles().files,
      copy: async () => createMemoryWorkspace(baseFiles),
    });
    expect(workspace.listSizes).toBeUndefined();
  });
});
