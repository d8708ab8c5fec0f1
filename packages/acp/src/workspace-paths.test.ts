import { describe, expect, it } from 'vitest';
import { sliceLines } from './workspace-files.ts';
import { workspacePathOf } from './workspace-paths.ts';

describe('workspacePathOf', () => {
  const roots = { root: '/work/copy', spellings: ['/work/copy', '/real/copy'] };
  it.each([
    ['/work/copy/src/a.ts', 'src/a.ts'],
    ['/real/copy/src/a.ts', 'src/a.ts'],
    ['/work/copy/src/../b.ts', 'b.ts'],
    ['/work/copy', null],
    ['/work/copy/../other/a.ts', null],
    ['/work/copy-2/a.ts', null],
    ['/work/copy/.git/config', null],
    ['/work/copy/sub/.GIT/hooks/x', null],
    ['src/a.ts', null],
  ])('%s -> %s', (absolutePath, expected) => {
    expect(workspacePathOf(roots, absolutePath)).toBe(expected);
  });
});

describe('sliceLines', () => {
  const text = 'a\nb\nc\n';
  it.each<[number | null, number | null, string]>([
    [null, null, text],
    [2, null, 'b\nc\n'],
    [2, 1, 'b\n'],
    [null, 2, 'a\nb\n'],
    [9, 1, ''],
  ])('line %s limit %s', (line, limit, expected) => {
    expect(sliceLines(text, line, limit)).toBe(expected);
  });
});
