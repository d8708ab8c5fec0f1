import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBackendContext, flatTreeOf } from '../src/backend-context.ts';
import { flattenTree } from '../src/git-objects.ts';
import type { GitTransport } from '../src/git-transport.ts';
import { runGit } from './git-cli.ts';

let scratch = '';
let gitdir = '';
let head = '';

beforeAll(async () => {
  scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-flat-tree-'));
  await mkdir(path.join(scratch, 'src/lib'), { recursive: true });
  await runGit(scratch, ['init', '-q', '-b', 'main']);
  await writeFile(path.join(scratch, 'src/lib/a.ts'), 'a\n');
  await writeFile(path.join(scratch, 'README.md'), 'readme\n');
  await writeFile(path.join(scratch, 'run.sh'), '#!/bin/sh\n', { mode: 0o755 });
  await runGit(scratch, ['add', '-A']);
  await runGit(scratch, ['commit', '-q', '-m', 'one']);
  gitdir = path.join(scratch, '.git');
  head = (await runGit(scratch, ['rev-parse', 'HEAD'])).trim();
});

afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

/** A transport whose readTree answers from real git, as arrays or as maps. */
async function listed(asMaps: boolean): Promise<GitTransport> {
  const records = (await runGit(scratch, ['ls-tree', '-r', '-t', '-z', 'HEAD'])).split('\0').filter(Boolean);
  const files: Array<[string, string, number]> = [];
  const trees: Array<[string, string]> = [['', (await runGit(scratch, ['rev-parse', 'HEAD^{tree}'])).trim()]];
  for (const record of records) {
    const [fields = '', file = ''] = record.split('\t');
    const [mode = '', type, oid = ''] = fields.split(' ');
    if (type === 'tree') trees.push([file, oid]);
    else files.push([file, oid, Number.parseInt(mode, 8)]);
  }
  const answer = asMaps
    ? {
        tree: trees[0]![1],
        files: new Map(files.map(([file, oid, mode]) => [file, { oid, mode }])),
        trees: new Map(trees),
      }
    : { tree: trees[0]![1], files, trees };
  return { readTree: async () => answer } as unknown as GitTransport;
}

describe('flatTreeOf with a transport that reads trees', () => {
  it.each([false, true])(
    'gives the tree isomorphic-git reads, whether the transport answers with maps (%s) or arrays',
    async (asMaps) => {
      const transport = await listed(asMaps);
      const context = createBackendContext({ transport });
      const flat = await flatTreeOf(context, gitdir, head);
      const own = await flattenTree(gitdir, flat.trees.get('')!, {});
      expect(flat).toEqual(own);
      // Remembered for the commit: asked again, the same object.
      expect(await flatTreeOf(context, gitdir, head)).toBe(flat);
    },
  );
});
