import { describe, expect, it } from 'vitest';
import { summarizePatch } from './patch-stats.ts';

describe('summarizePatch', () => {
  it('counts lines per file for added, modified, deleted, renamed and binary files', () => {
    const patch = [
      'diff --git a/src/app.ts b/src/app.ts',
      'index 1111111..2222222 100644',
      '--- a/src/app.ts',
      '+++ b/src/app.ts',
      '@@ -1,3 +1,3 @@',
      ' const a = 1;',
      '--- a weird removed line that looks like a header',
      '+++ an added line that looks like a header',
      '+const c = 3;',
      '\\ No newline at end of file',
      'diff --git a/new.txt b/new.txt',
      'new file mode 100644',
      'index 0000000..3333333',
      '--- /dev/null',
      '+++ b/new.txt',
      '@@ -0,0 +1,2 @@',
      '+one',
      '+two',
      'diff --git a/old.txt b/old.txt',
      'deleted file mode 100644',
      'index 4444444..0000000',
      '--- a/old.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-gone',
      'diff --git a/before.md b/after.md',
      'similarity index 100%',
      'rename from before.md',
      'rename to after.md',
      'diff --git a/logo.png b/logo.png',
      'index 5555555555555555555555555555555555555555..6666666666666666666666666666666666666666 100644',
      'Binary files a/logo.png and b/logo.png differ',
      '',
    ].join('\n');
    expect(summarizePatch(patch)).toEqual([
      { path: 'src/app.ts', oldPath: null, status: 'modified', added: 2, removed: 1 },
      { path: 'new.txt', oldPath: null, status: 'added', added: 2, removed: 0 },
      { path: 'old.txt', oldPath: null, status: 'deleted', added: 0, removed: 1 },
      { path: 'after.md', oldPath: 'before.md', status: 'renamed', added: 0, removed: 0 },
      { path: 'logo.png', oldPath: null, status: 'modified', added: 0, removed: 0 },
    ]);
  });

  it('reads C-quoted paths and paths with spaces', () => {
    const patch = [
      'diff --git "a/t\\303\\251st file.txt" "b/t\\303\\251st file.txt"',
      'new file mode 100644',
      '--- /dev/null',
      '+++ "b/t\\303\\251st file.txt"',
      '@@ -0,0 +1 @@',
      '+x',
      'diff --git a/with space.txt b/with space.txt',
      'deleted file mode 100644',
      '--- a/with space.txt',
      '+++ /dev/null',
      '@@ -1 +0,0 @@',
      '-y',
    ].join('\n');
    expect(summarizePatch(patch).map((file) => [file.path, file.status])).toEqual([
      ['tést file.txt', 'added'],
      ['with space.txt', 'deleted'],
    ]);
  });

  it('is empty for an empty patch', () => {
    expect(summarizePatch('')).toEqual([]);
  });
});
