import { describe, expect, it } from 'vitest';
import { type FileEdit, parseEdits } from './index.ts';

function only(text: string): FileEdit {
  const parsed = parseEdits(text);
  expect(parsed.problems).toEqual([]);
  expect(parsed.edits).toHaveLength(1);
  return parsed.edits[0]!;
}

function patchOf(edit: FileEdit): Extract<FileEdit, { kind: 'patch' }> {
  if (edit.kind !== 'patch') expect.fail(`expected a patch, got ${edit.kind}`);
  return edit;
}

describe('parseEdits: unified diffs', () => {
  it('reads a git diff with a/ b/ prefixes, index line and a section heading', () => {
    const edit = patchOf(
      only(
        [
          'diff --git a/src/app.ts b/src/app.ts',
          'index 3b18e51..a9c2f0d 100644',
          '--- a/src/app.ts',
          '+++ b/src/app.ts',
          '@@ -10,3 +10,4 @@ export function main() {',
          '   const a = 1;',
          '-  const b = 2;',
          '+  const b = 3;',
          '+  const c = 4;',
          '   return a + b;',
          '',
        ].join('\n'),
      ),
    );
    expect(edit).toEqual({
      kind: 'patch',
      format: 'unified-diff',
      operation: 'modify',
      path: 'src/app.ts',
      oldPath: null,
      hunks: [
        {
          oldStartHint: 10,
          newStartHint: 10,
          anchor: 'export function main() {',
          before: ['  const a = 1;', '  const b = 2;', '  return a + b;'],
          after: ['  const a = 1;', '  const b = 3;', '  const c = 4;', '  return a + b;'],
        },
      ],
    });
  });

  it('keeps a real directory named a/ when the diff has no prefixes', () => {
    const edit = patchOf(only('--- a/b.txt\n+++ a/b.txt\n@@\n-x\n+y\n'));
    expect(edit.path).toBe('a/b.txt');
    expect(patchOf(only('--- src/x.ts\n+++ src/x.ts\n@@\n-x\n+y\n')).path).toBe('src/x.ts');
  });

  it('strips a timestamp after a tab and reads quoted paths', () => {
    expect(
      patchOf(only('--- a/x.c\t2024-01-01 10:00:00\n+++ b/x.c\t2024-01-02 10:00:00\n@@\n-a\n+b\n')).path,
    ).toBe('x.c');
    const quoted = only(
      'diff --git "a/my file.txt" "b/my file.txt"\n--- "a/my file.txt"\n+++ "b/my file.txt"\n@@\n-a\n+b\n',
    );
    expect(patchOf(quoted).path).toBe('my file.txt');
    const octal = only('--- "a/caf\\303\\251.txt"\n+++ "b/caf\\303\\251.txt"\n@@\n-a\n+b\n');
    expect(patchOf(octal).path).toBe('café.txt');
  });

  it('reads new files (/dev/null, new file mode) and deleted files', () => {
    const parsed = parseEdits(
      [
        'diff --git a/new.ts b/new.ts',
        'new file mode 100644',
        'index 0000000..e69de29',
        '--- /dev/null',
        '+++ b/new.ts',
        '@@ -0,0 +1,2 @@',
        '+export const x = 1;',
        '+export const y = 2;',
        'diff --git a/old.ts b/old.ts',
        'deleted file mode 100644',
        'index e69de29..0000000',
        '--- a/old.ts',
        '+++ /dev/null',
        '@@ -1 +0,0 @@',
        '-gone',
        'diff --git a/empty.txt b/empty.txt',
        'new file mode 100644',
        'index 0000000..e69de29',
      ].join('\n'),
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.edits).toEqual([
      {
        kind: 'patch',
        format: 'unified-diff',
        operation: 'create',
        path: 'new.ts',
        oldPath: null,
        hunks: [
          {
            oldStartHint: null,
            anchor: null,
            before: [],
            after: ['export const x = 1;', 'export const y = 2;'],
          },
        ],
      },
      { kind: 'delete', format: 'unified-diff', path: 'old.ts' },
      {
        kind: 'patch',
        format: 'unified-diff',
        operation: 'create',
        path: 'empty.txt',
        oldPath: null,
        hunks: [{ oldStartHint: null, anchor: null, before: [], after: [] }],
      },
    ]);
  });

  it('reads renames with and without hunks, and ignores mode-only changes', () => {
    const parsed = parseEdits(
      [
        'diff --git a/a.txt b/b.txt',
        'similarity index 100%',
        'rename from a.txt',
        'rename to b.txt',
        'diff --git a/run.sh b/run.sh',
        'old mode 100644',
        'new mode 100755',
        'diff --git a/src/x.ts b/lib/x.ts',
        'similarity index 90%',
        'rename from src/x.ts',
        'rename to lib/x.ts',
        'index 1111111..2222222 100644',
        '--- a/src/x.ts',
        '+++ b/lib/x.ts',
        '@@ -1,2 +1,2 @@',
        ' a',
        '-b',
        '+c',
      ].join('\n'),
    );
    expect(parsed.problems).toEqual([]);
    expect(
      parsed.edits.map((edit) =>
        edit.kind === 'patch' ? [edit.oldPath, edit.path, edit.hunks.length] : edit.kind,
      ),
    ).toEqual([
      ['a.txt', 'b.txt', 0],
      ['src/x.ts', 'lib/x.ts', 1],
    ]);
  });

  it('reads \\ No newline at end of file on either side', () => {
    const removeNewline = patchOf(
      only('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n+b\n\\ No newline at end of file\n'),
    );
    expect(removeNewline.hunks[0]!.finalNewline).toEqual({ before: true, after: false });
    const addNewline = patchOf(
      only('--- a/x\n+++ b/x\n@@ -1,2 +1,2 @@\n a\n-b\n\\ No newline at end of file\n+b\n'),
    );
    expect(addNewline.hunks[0]!.finalNewline).toEqual({ before: false, after: true });
    const neither = patchOf(
      only('--- a/x\n+++ b/x\n@@ -1,2 +1,3 @@\n+z\n a\n b\n\\ No newline at end of file\n'),
    );
    expect(neither.hunks[0]!.finalNewline).toEqual({ before: false, after: false });
  });

  it('trusts hunk bodies, not counts: wrong counts, bare @@, blank context lines without a space', () => {
    const edit = patchOf(
      only(
        [
          '--- a/x.py',
          '+++ b/x.py',
          '@@ -3,99 +3,1 @@',
          ' def f():',
          '',
          '-    return 1',
          '+    return 2',
          '@@',
          ' def g():',
          '+    pass',
          '',
        ].join('\n'),
      ),
    );
    expect(edit.hunks).toEqual([
      {
        oldStartHint: 3,
        newStartHint: 3,
        anchor: null,
        before: ['def f():', '', '    return 1'],
        after: ['def f():', '', '    return 2'],
      },
      { oldStartHint: null, anchor: null, before: ['def g():'], after: ['def g():', '    pass'] },
    ]);
  });

  it('keeps trailing blank lines of a hunk only as far as its old count still expects lines', () => {
    const counted = patchOf(only('--- a/x\n+++ b/x\n@@ -1,3 +1,3 @@\n a\n-b\n+c\n\n\nprose after\n'));
    expect(counted.hunks[0]!.before).toEqual(['a', 'b', '']);
    const uncounted = patchOf(only('--- a/x\n+++ b/x\n@@\n a\n-b\n+c\n\n\nprose after\n'));
    expect(uncounted.hunks[0]!.before).toEqual(['a', 'b']);
  });

  it('reads several files and ends a hunk at the next header or at prose', () => {
    const parsed = parseEdits(
      'Some intro.\n--- a/one\n+++ b/one\n@@\n-1\n+one\n--- a/two\n+++ b/two\n@@\n-2\n+two\nThat is all.\n- not a diff line after prose\n',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.edits.map((edit) => edit.kind === 'patch' && [edit.path, edit.hunks[0]!.after])).toEqual([
      ['one', ['one']],
      ['two', ['two']],
    ]);
  });

  it('reports binary diffs, combined diffs, empty hunks and headerless hunks as problems with line numbers', () => {
    const binary = parseEdits(
      'diff --git a/logo.png b/logo.png\nindex 1..2 100644\nGIT binary patch\nliteral 5\nMcmZ?wbhEHbHd\n\nliteral 0\nKcmV+b0RR6000031\n\ndiff --git a/x b/x\n--- a/x\n+++ b/x\n@@\n-a\n+b\n',
    );
    expect(binary.problems).toEqual([
      { line: 1, message: expect.stringContaining('binary'), path: 'logo.png' },
    ]);
    expect(binary.edits).toHaveLength(1);
    expect(
      parseEdits('diff --git a/a.bin b/a.bin\nindex 1..2\nBinary files a/a.bin and b/a.bin differ\n')
        .problems[0]!.message,
    ).toContain('binary');
    const combined = parseEdits('--- a/x\n+++ b/x\n@@@ -1 -1 +1 @@@\n  a\n').problems.map(
      (problem) => problem.message,
    );
    expect(combined.join('\n')).toContain('combined');
    expect(parseEdits('text\n\n@@ -1 +1 @@\n-a\n+b\n').problems).toEqual([
      { line: 3, message: expect.stringContaining('without a file header') },
    ]);
    expect(parseEdits('```diff\nthis is not a diff\n```\n').problems).toEqual([
      { line: 1, message: expect.stringContaining('diff block') },
    ]);
  });

  it('takes the path of a headerless hunk list from its fence or the line above', () => {
    const edit = patchOf(only('src/a.ts:\n```diff\n@@ -1 +1 @@\n-a\n+b\n```\n'));
    expect(edit.path).toBe('src/a.ts');
    expect(patchOf(only('```diff path=lib/b.ts\n@@\n-a\n+b\n```')).path).toBe('lib/b.ts');
  });

  it('accepts CRLF input', () => {
    const edit = patchOf(only('--- a/x\r\n+++ b/x\r\n@@ -1 +1 @@\r\n-a\r\n+b\r\n'));
    expect(edit.hunks[0]).toMatchObject({ before: ['a'], after: ['b'] });
  });
});

describe('parseEdits: SEARCH/REPLACE blocks', () => {
  const block = (path: string, search: string, replace: string, marker = 7): string =>
    `${path}\n\`\`\`ts\n${'<'.repeat(marker)} SEARCH\n${search}\n${'='.repeat(marker)}\n${replace}\n${'>'.repeat(marker)} REPLACE\n\`\`\`\n`;

  it('reads aider-style blocks with the path on the line before the fence', () => {
    expect(only(block('src/a.ts', 'const a = 1;', 'const a = 2;'))).toEqual({
      kind: 'search-replace',
      path: 'src/a.ts',
      blocks: [{ search: 'const a = 1;\n', replace: 'const a = 2;\n' }],
    });
  });

  it('finds the path in the fence info, in backticks, in bold, inside the fence, or in a one-path sentence', () => {
    const body = '<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE';
    const variants: Array<[string, string]> = [
      [`\`\`\`ts path=src/one.ts\n${body}\n\`\`\``, 'src/one.ts'],
      [`\`src/two.ts\`\n\`\`\`\n${body}\n\`\`\``, 'src/two.ts'],
      [`**src/three.ts**\n${body}`, 'src/three.ts'],
      [`\`\`\`\nsrc/four.ts\n${body}\n\`\`\``, 'src/four.ts'],
      [`Then update \`src/five.ts\` like this:\n\n${body}`, 'src/five.ts'],
      [`### src/six.ts\n${body}`, 'src/six.ts'],
    ];
    for (const [text, path] of variants) expect(only(text)).toMatchObject({ kind: 'search-replace', path });
  });

  it('tolerates 5 to 9 marker characters and trailing spaces', () => {
    for (const marker of [5, 9]) {
      expect(only(block('a.py', 'x', 'y', marker))).toMatchObject({
        blocks: [{ search: 'x\n', replace: 'y\n' }],
      });
    }
    expect(only('a.py\n<<<<<<< SEARCH   \nx\n=======  \ny\n>>>>>>> REPLACE \n')).toMatchObject({
      path: 'a.py',
    });
  });

  it('groups consecutive blocks of one file and keeps several files apart', () => {
    const text = `${block('a.ts', 'a1', 'A1')}\n${block('a.ts', 'a2', 'A2')}${block('b.ts', 'b', 'B')}<<<<<<< SEARCH\nb2\n=======\nB2\n>>>>>>> REPLACE\n`;
    const parsed = parseEdits(text);
    expect(parsed.problems).toEqual([]);
    expect(parsed.edits).toEqual([
      {
        kind: 'search-replace',
        path: 'a.ts',
        blocks: [
          { search: 'a1\n', replace: 'A1\n' },
          { search: 'a2\n', replace: 'A2\n' },
        ],
      },
      {
        kind: 'search-replace',
        path: 'b.ts',
        blocks: [
          { search: 'b\n', replace: 'B\n' },
          { search: 'b2\n', replace: 'B2\n' },
        ],
      },
    ]);
  });

  it('reads an empty SEARCH (file creation) and an empty REPLACE (deletion)', () => {
    expect(only('new.md\n<<<<<<< SEARCH\n=======\n# Title\n>>>>>>> REPLACE\n')).toMatchObject({
      blocks: [{ search: '', replace: '# Title\n' }],
    });
    expect(only('x.md\n<<<<<<< SEARCH\ngone\n=======\n>>>>>>> REPLACE\n')).toMatchObject({
      blocks: [{ search: 'gone\n', replace: '' }],
    });
  });

  it('reports broken blocks and blocks without a path, with their lines', () => {
    expect(parseEdits('a.ts\n<<<<<<< SEARCH\nx\n').problems).toEqual([
      { line: 2, message: expect.stringContaining('======='), path: 'a.ts' },
    ]);
    expect(parseEdits('a.ts\n<<<<<<< SEARCH\nx\n=======\ny\n').problems[0]).toMatchObject({
      line: 2,
      message: expect.stringContaining('REPLACE'),
    });
    expect(
      parseEdits('Here is the change:\n<<<<<<< SEARCH\nx\n=======\ny\n>>>>>>> REPLACE\n').problems,
    ).toEqual([{ line: 2, message: expect.stringContaining('without a file path') }]);
  });
});

describe('parseEdits: apply_patch envelopes', () => {
  it('reads add, update with move and anchors, end of file, and delete', () => {
    const parsed = parseEdits(
      [
        '*** Begin Patch',
        '*** Add File: docs/new.md',
        '+# New',
        '+',
        '+text',
        '*** Update File: src/app.py',
        '*** Move to: src/main.py',
        '@@ class App',
        '@@     def run(self):',
        '         x = 1',
        '-        return x',
        '+        return x + 1',
        '@@',
        ' last()',
        '+after_last()',
        '*** End of File',
        '*** Delete File: old.txt',
        '*** End Patch',
      ].join('\n'),
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.formats).toEqual(['apply-patch']);
    expect(parsed.edits).toEqual([
      {
        kind: 'patch',
        format: 'apply-patch',
        operation: 'create',
        path: 'docs/new.md',
        oldPath: null,
        hunks: [{ oldStartHint: null, anchor: null, before: [], after: ['# New', '', 'text'] }],
      },
      {
        kind: 'patch',
        format: 'apply-patch',
        operation: 'modify',
        path: 'src/main.py',
        oldPath: 'src/app.py',
        hunks: [
          {
            oldStartHint: null,
            anchor: 'def run(self):',
            before: ['        x = 1', '        return x'],
            after: ['        x = 1', '        return x + 1'],
          },
          {
            oldStartHint: null,
            anchor: null,
            before: ['last()'],
            after: ['last()', 'after_last()'],
            endOfFile: true,
          },
        ],
      },
      { kind: 'delete', format: 'apply-patch', path: 'old.txt' },
    ]);
  });

  it('reports an envelope without *** End Patch and unknown directives', () => {
    const cut = parseEdits('*** Begin Patch\n*** Update File: a.txt\n@@\n-a\n+b\n');
    expect(cut.edits).toHaveLength(1);
    expect(cut.problems).toEqual([{ line: 1, message: expect.stringContaining('End Patch') }]);
    const unknown = parseEdits('*** Begin Patch\n*** Frobnicate File: a\n*** End Patch\n');
    expect(unknown.problems).toEqual([
      { line: 2, message: expect.stringContaining('unknown apply_patch directive') },
    ]);
  });
});

describe('parseEdits: whole files', () => {
  it('reads the path from the info string or from the line before the fence', () => {
    const variants: Array<[string, string]> = [
      ['```ts path=src/a.ts\nexport const a = 1;\n```', 'src/a.ts'],
      ['```src/a.ts\nexport const a = 1;\n```', 'src/a.ts'],
      ['```ts title="src/a.ts"\nexport const a = 1;\n```', 'src/a.ts'],
      ['src/a.ts:\n```ts\nexport const a = 1;\n```', 'src/a.ts'],
      ['**src/a.ts**\n\n```ts\nexport const a = 1;\n```', 'src/a.ts'],
      ['`src/a.ts`\n~~~\nexport const a = 1;\n~~~', 'src/a.ts'],
      ['File: src/a.ts\n```\nexport const a = 1;\n```', 'src/a.ts'],
    ];
    for (const [text, path] of variants) {
      expect(only(text)).toEqual({ kind: 'whole-file', path, content: 'export const a = 1;\n' });
    }
  });

  it('ignores code blocks that name no path, and prose that merely mentions one', () => {
    expect(parseEdits('Example:\n```ts\nconst a = 1;\n```\n').edits).toEqual([]);
    expect(parseEdits('You could change `src/a.ts` to:\n```ts\nconst a = 1;\n```\n').edits).toEqual([]);
  });

  it('keeps nested fences of a markdown file inside its block', () => {
    const edit = only('````md path=README.md\n# Title\n\n```sh\nnpm test\n```\n\nEnd.\n````\n');
    expect(edit).toEqual({
      kind: 'whole-file',
      path: 'README.md',
      content: '# Title\n\n```sh\nnpm test\n```\n\nEnd.\n',
    });
  });

  it('refuses a whole file that leaves code out', () => {
    const parsed = parseEdits(
      'src/a.ts\n```ts\nimport x from "x";\n// ... existing code ...\nexport const a = 1;\n```\n',
    );
    expect(parsed.edits).toEqual([]);
    expect(parsed.problems).toEqual([
      { line: 4, path: 'src/a.ts', message: expect.stringContaining('leaves code out') },
    ]);
    expect(parseEdits('a.py\n```py\n# rest of the file unchanged\n```').problems).toHaveLength(1);
    expect(parseEdits('a.pyi\n```py\ndef f(): ...\n    ...\n```').problems).toEqual([]);
  });

  it('strips a closing fence glued to the last line of a file without a final newline', () => {
    const variants = [
      'src/a.ts\n```ts\nconst a = 1;\nconst b = 2;```\n\nDone.\n',
      'src/a.ts\n```ts\nconst a = 1;\nconst b = 2;```',
      'src/a.ts\n```ts\nconst a = 1;\nconst b = 2;```   \n',
      'src/a.ts\n````ts\nconst a = 1;\nconst b = 2;````\n',
      '~~~ts path=src/a.ts\nconst a = 1;\nconst b = 2;~~~\n',
      '1. The file:\n   src/a.ts\n   ```ts\n   const a = 1;\n   const b = 2;```\n',
    ];
    for (const text of variants) {
      expect(only(text), text).toEqual({
        kind: 'whole-file',
        path: 'src/a.ts',
        content: 'const a = 1;\nconst b = 2;\n',
      });
    }
  });

  it('reads on after a glued closing fence: the next blocks are neither swallowed nor taken for files', () => {
    const parsed = parseEdits(
      'src/a.ts\n```ts\nexport const a = `x`;```\n\nRun:\n\n```\nnpm test\n```\n\nsrc/b.ts\n```ts\nb();\n```\n',
    );
    expect(parsed.problems).toEqual([]);
    expect(parsed.edits).toEqual([
      { kind: 'whole-file', path: 'src/a.ts', content: 'export const a = `x`;\n' },
      { kind: 'whole-file', path: 'src/b.ts', content: 'b();\n' },
    ]);
  });

  it('keeps lines that merely end in backticks: inline code, too short a run, a diff line, a nested block', () => {
    const readme = 'Run ```npm test``` first.\nA `` `code` ``\nend';
    expect(only(`README.md\n\`\`\`md\n${readme}\n\`\`\`\n`)).toMatchObject({ content: `${readme}\n` });
    expect(only('````md path=README.md\n```sh\nnpm test```\n```\n````\n')).toMatchObject({
      content: '```sh\nnpm test```\n```\n',
    });
    expect(only('```md path=README.md\n```sh\nnpm test```\n```\n```\n')).toMatchObject({
      content: '```sh\nnpm test```\n```\n',
    });
    const quoted = '# Notes\n\n> ```sh\n> npm test\n> ```\n\n- ```\n  x\n  ```\nend';
    expect(only(`NOTES.md\n\`\`\`md\n${quoted}\n\`\`\`\n`)).toMatchObject({ content: `${quoted}\n` });
    const diff = patchOf(only('```diff\n--- a/x.md\n+++ b/x.md\n@@\n a\n-b\n+b```\n```\n'));
    expect(diff.hunks[0]).toMatchObject({ before: ['a', 'b'], after: ['a', 'b```'] });
  });

  it('still refuses a glued whole file that leaves code out', () => {
    const parsed = parseEdits(
      'src/a.ts\n```ts\nimport x from "x";\n// ... existing code ...\nexport const a = 1;```\n',
    );
    expect(parsed.edits).toEqual([]);
    expect(parsed.problems).toEqual([
      { line: 4, path: 'src/a.ts', message: expect.stringContaining('leaves code out') },
    ]);
  });

  it('de-indents a fence nested in a list item', () => {
    const edit = patchOf(
      only('1. Apply:\n   ```diff\n   --- a/x\n   +++ b/x\n   @@\n    keep\n   -old\n   +new\n   ```\n'),
    );
    expect(edit.hunks[0]).toMatchObject({ before: ['keep', 'old'], after: ['keep', 'new'] });
  });
});

describe('parseEdits: mixed replies', () => {
  it('reads several formats in order and lists them by first appearance', () => {
    const reply = [
      'First the config:',
      '',
      'config.json',
      '```json',
      '{ "a": 1 }',
      '```',
      '',
      'Then the code:',
      '',
      '```diff',
      '--- a/src/a.ts',
      '+++ b/src/a.ts',
      '@@',
      '-a',
      '+b',
      '```',
      '',
      'src/b.ts',
      '<<<<<<< SEARCH',
      'x',
      '=======',
      'y',
      '>>>>>>> REPLACE',
      '',
      'And finally:',
      '*** Begin Patch',
      '*** Delete File: c.ts',
      '*** End Patch',
    ].join('\n');
    const parsed = parseEdits(reply);
    expect(parsed.problems).toEqual([]);
    expect(parsed.formats).toEqual(['whole-file', 'unified-diff', 'search-replace', 'apply-patch']);
    expect(parsed.edits.map((edit) => `${edit.kind}:${edit.path}`)).toEqual([
      'whole-file:config.json',
      'patch:src/a.ts',
      'search-replace:src/b.ts',
      'delete:c.ts',
    ]);
  });

  it('finds nothing and reports nothing in plain prose', () => {
    expect(parseEdits('I think the bug is in the parser. Try adding a check for empty input.')).toEqual({
      edits: [],
      formats: [],
      problems: [],
    });
  });
});
