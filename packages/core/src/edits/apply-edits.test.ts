import { describe, expect, it } from 'vitest';
import { GoosukeError } from '../errors/index.ts';
import {
  type ApplyEditsOptions,
  type ApplyEditsResult,
  applyEdits,
  type FileEdit,
  formatApplyFailure,
  type HunkFailure,
  type MatchTier,
} from './index.ts';

type Files = Record<string, string>;

function reader(files: Files): { readFile: (path: string) => Promise<string | null>; reads: string[] } {
  const reads: string[] = [];
  return {
    reads,
    readFile: async (path) => {
      reads.push(path);
      return Object.hasOwn(files, path) ? files[path]! : null;
    },
  };
}

async function run(files: Files, edits: ApplyEditsOptions['edits'], extra: Partial<ApplyEditsOptions> = {}) {
  const { readFile, reads } = reader(files);
  const result = await applyEdits({ edits, readFile, ...extra });
  return { result, reads };
}

/** The files after a successful apply (fails the test with the engine's failures otherwise). */
async function applyOk(
  files: Files,
  edits: ApplyEditsOptions['edits'],
  extra: Partial<ApplyEditsOptions> = {},
) {
  const { result } = await run(files, edits, extra);
  if (!result.ok) expect.fail(result.failures.map(formatApplyFailure).join('\n\n'));
  const next: Files = { ...files };
  for (const change of result.changes) {
    if (change.content === null) delete next[change.path];
    else next[change.path] = change.content;
  }
  return { files: next, result, tiers: result.files.flatMap((file) => file.hunks.map((hunk) => hunk.tier)) };
}

function failuresOf(result: ApplyEditsResult): HunkFailure[] {
  if (result.ok) expect.fail('expected the edits to be refused');
  expect('changes' in result).toBe(false);
  return result.failures;
}

const service = `import { db } from './db.ts';

export async function getUser(id: string) {
  const row = await db.find(id);
  return row;
}

export async function listUsers() {
  return db.all();
}
`;

const diff = (path: string, body: string): string => `--- a/${path}\n+++ b/${path}\n${body}`;

describe('applyEdits: conflicts are refused, and nothing is changed', () => {
  it('refuses a hunk whose function was rewritten, with the closest region and its line numbers', async () => {
    const rewritten = service.replace(
      '  const row = await db.find(id);\n  return row;',
      '  return db.users.findUnique({ where: { id } });',
    );
    const patch = diff(
      'src/service.ts',
      '@@ -3,4 +3,5 @@\n export async function getUser(id: string) {\n   const row = await db.find(id);\n+  if (!row) throw new Error("missing");\n   return row;\n }\n',
    );
    const { result } = await run({ 'src/service.ts': rewritten }, patch);
    const [failure, ...rest] = failuresOf(result);
    expect(rest).toEqual([]);
    expect(failure).toMatchObject({
      path: 'src/service.ts',
      editIndex: 0,
      hunkIndex: 0,
      reason: 'not-found',
    });
    expect(failure!.expected).toEqual([
      'export async function getUser(id: string) {',
      '  const row = await db.find(id);',
      '  return row;',
      '}',
    ]);
    expect(failure!.closest).toMatchObject({ startLine: 3, endLine: 6 });
    expect(failure!.closest!.lines[0]).toBe('export async function getUser(id: string) {');
    expect(failure!.closest!.similarity).toBeGreaterThan(0.3);
    expect(failure!.closest!.similarity).toBeLessThan(0.85);
  });

  it('never fuzzily removes a line that is not there', async () => {
    const changed = service.replace('return db.all();', 'return db.all({ limit: 10 });');
    const patch = diff(
      'src/service.ts',
      '@@\n export async function listUsers() {\n-  return db.all();\n+  return db.all({ limit: 50 });\n }\n',
    );
    failuresOf((await run({ 'src/service.ts': changed }, patch)).result);
  });

  it('refuses to create a file that exists with other content, and to modify a missing one', async () => {
    const create = '--- /dev/null\n+++ b/src/service.ts\n@@ -0,0 +1 @@\n+export {};\n';
    expect(failuresOf((await run({ 'src/service.ts': service }, create)).result)[0]).toMatchObject({
      reason: 'file-exists',
      hunkIndex: null,
    });
    const modify = diff('src/missing.ts', '@@\n a\n-b\n+c\n');
    expect(failuresOf((await run({}, modify)).result)[0]).toMatchObject({
      reason: 'file-missing',
      path: 'src/missing.ts',
    });
  });

  it('is all or nothing across files, and lists every failed hunk', async () => {
    const patch = [
      diff('a.txt', '@@\n one\n-two\n+TWO\n'),
      diff('b.txt', '@@\n alpha\n-beta\n+BETA\n@@\n gamma\n-delta\n+DELTA\n@@\n x\n-y\n+z\n'),
      diff('c.txt', '@@\n nope\n-nope\n+yes\n'),
    ].join('');
    const files = { 'a.txt': 'one\ntwo\n', 'b.txt': 'alpha\nbeta\ngamma\nDELTA?\nx\ny\n', 'c.txt': 'c\n' };
    const failures = failuresOf((await run(files, patch)).result);
    expect(
      failures.map((failure) => [failure.path, failure.editIndex, failure.hunkIndex, failure.reason]),
    ).toEqual([
      ['b.txt', 1, 1, 'not-found'],
      ['c.txt', 2, 0, 'not-found'],
    ]);
  });

  it('refuses an ambiguous hunk and names both places', async () => {
    const file = 'a\nrepeat();\nb\nc\nrepeat();\nd\n';
    const failures = failuresOf(
      (await run({ 'x.js': file }, diff('x.js', '@@\n-repeat();\n+once();\n'))).result,
    );
    expect(failures[0]).toMatchObject({ reason: 'ambiguous', hunkIndex: 0 });
    expect(failures[0]!.message).toContain('lines 2-2 and lines 5-5');
  });

  it('lets an exact line hint choose between equal places only when it points exactly at one', async () => {
    const file = 'a\nrepeat();\nb\nc\nrepeat();\nd\n';
    const hinted = await applyOk({ 'x.js': file }, diff('x.js', '@@ -5 +5 @@\n-repeat();\n+once();\n'));
    expect(hinted.files['x.js']).toBe('a\nrepeat();\nb\nc\nonce();\nd\n');
    failuresOf((await run({ 'x.js': file }, diff('x.js', '@@ -4 +4 @@\n-repeat();\n+once();\n'))).result);
  });

  it('uses the section heading (anchor) to choose between equal places in different blocks', async () => {
    const file =
      'function a() {\n  let x = 1;\n  return x;\n}\n\nfunction b() {\n  let x = 1;\n  return x;\n}\n';
    const patch = diff(
      'f.js',
      '@@ -99,2 +99,2 @@ function b() {\n-  let x = 1;\n+  let x = 2;\n   return x;\n',
    );
    const { files, tiers } = await applyOk({ 'f.js': file }, patch);
    expect(files['f.js']).toBe(file.replace('function b() {\n  let x = 1;', 'function b() {\n  let x = 2;'));
    expect(tiers).toEqual(['exact']);
  });

  it('refuses hunks whose regions overlap', async () => {
    const patch = diff('o.txt', '@@\n a\n-b\n+B\n c\n@@\n b\n-c\n+C\n');
    const failures = failuresOf((await run({ 'o.txt': 'a\nb\nc\nd\n' }, patch)).result);
    expect(failures).toHaveLength(1);
    expect(failures[0]).toMatchObject({ reason: 'overlap', hunkIndex: 1 });
  });

  it('turns parse problems into failures and refuses text with no edit at all', async () => {
    const problem = failuresOf((await run({}, 'a.ts\n<<<<<<< SEARCH\nx\n')).result);
    expect(problem[0]).toMatchObject({ reason: 'parse', editIndex: null, path: 'a.ts' });
    expect(problem[0]!.message).toMatch(/^line 2: /);
    expect(failuresOf((await run({}, 'Sorry, I cannot help with that.')).result)[0]!.message).toContain(
      'no edit found',
    );
    expect((await run({}, [])).result).toEqual({ ok: true, changes: [], files: [] });
  });
});

describe('applyEdits: paths', () => {
  const escapes = ['../x', '/etc/passwd', 'a/../../x', 'C:\\x', '\\\\server\\share\\x', 'x/\u0000y', ''];
  it.each(escapes)('refuses %j as path-escape before reading anything', async (path) => {
    const edits: FileEdit[] = [{ kind: 'whole-file', path, content: 'pwned\n' }];
    const { result, reads } = await run({}, edits);
    expect(failuresOf(result)[0]).toMatchObject({ reason: 'path-escape', path });
    expect(reads).toEqual([]);
  });

  it('refuses escapes in diff headers, SEARCH/REPLACE paths and rename sources', async () => {
    const texts = [
      '--- a/../../etc/passwd\n+++ b/../../etc/passwd\n@@\n-root\n+pwned\n',
      '/etc/hosts\n<<<<<<< SEARCH\n=======\nx\n>>>>>>> REPLACE\n',
      'diff --git a/../x b/ok.txt\nsimilarity index 100%\nrename from ../x\nrename to ok.txt\n',
    ];
    for (const text of texts) {
      const { result, reads } = await run({ 'ok.txt': 'ok\n' }, text);
      expect(failuresOf(result)[0]!.reason).toBe('path-escape');
      expect(reads).toEqual([]);
    }
  });

  it('refuses every default forbidden path', async () => {
    const forbidden = [
      '.git',
      '.git/config',
      'vendor/lib/.git/HEAD',
      '.env',
      'apps/web/.env.local',
      'deploy/server.key',
      'app.secret',
      'credentials.json',
      'config/credentials.yml',
      'certs/tls.pem',
      '.ssh/id_ed25519',
    ];
    for (const path of forbidden) {
      const { result, reads } = await run({}, [{ kind: 'delete', format: 'unified-diff', path }]);
      expect(failuresOf(result)[0], path).toMatchObject({ reason: 'forbidden-path' });
      expect(reads).toEqual([]);
    }
  });

  it('uses a custom forbidden list instead of the default one', async () => {
    const forbiddenPaths = ['dist/**', '*.lock'];
    const blocked = await run({}, [{ kind: 'whole-file', path: 'dist/index.js', content: 'x\n' }], {
      forbiddenPaths,
    });
    expect(failuresOf(blocked.result)[0]!.reason).toBe('forbidden-path');
    const lock = await run({}, [{ kind: 'whole-file', path: 'yarn.lock', content: 'x\n' }], {
      forbiddenPaths,
    });
    expect(failuresOf(lock.result)[0]!.reason).toBe('forbidden-path');
    const allowed = await applyOk({}, [{ kind: 'whole-file', path: '.env.example', content: 'A=1\n' }], {
      forbiddenPaths,
    });
    expect(allowed.files['.env.example']).toBe('A=1\n');
  });

  it('normalizes ./ and backslashes, and reads each path once', async () => {
    const { readFile, reads } = reader({ 'src/a.txt': 'a\n' });
    const result = await applyEdits({
      edits: [
        { kind: 'search-replace', path: './src\\a.txt', blocks: [{ search: 'a\n', replace: 'b\n' }] },
        { kind: 'search-replace', path: 'src/./a.txt', blocks: [{ search: 'b\n', replace: 'c\n' }] },
      ],
      readFile,
    });
    expect(result).toMatchObject({ ok: true, changes: [{ path: 'src/a.txt', content: 'c\n' }] });
    expect(reads).toEqual(['src/a.txt']);
  });
});

describe('applyEdits: new, deleted and renamed files; already applied', () => {
  it('creates, deletes and renames, and treats a repeat as already applied', async () => {
    const patch = [
      '--- /dev/null\n+++ b/src/new.ts\n@@ -0,0 +1,2 @@\n+export const x = 1;\n+export const y = 2;\n',
      'diff --git a/src/old.ts b/src/old.ts\ndeleted file mode 100644\n--- a/src/old.ts\n+++ /dev/null\n@@ -1 +0,0 @@\n-old\n',
      'diff --git a/src/a.ts b/lib/a.ts\nsimilarity index 80%\nrename from src/a.ts\nrename to lib/a.ts\n--- a/src/a.ts\n+++ b/lib/a.ts\n@@ -1,2 +1,2 @@\n export const a = 1;\n-export const b = 2;\n+export const b = 3;\n',
    ].join('');
    const start = { 'src/old.ts': 'old\n', 'src/a.ts': 'export const a = 1;\nexport const b = 2;\n' };
    const first = await applyOk(start, patch);
    expect(first.files).toEqual({
      'src/new.ts': 'export const x = 1;\nexport const y = 2;\n',
      'lib/a.ts': 'export const a = 1;\nexport const b = 3;\n',
    });
    expect(
      first.result.files.map((file) => [file.operation, file.path, file.oldPath, file.added, file.removed]),
    ).toEqual([
      ['create', 'src/new.ts', null, 2, 0],
      ['delete', 'src/old.ts', null, 0, 1],
      ['rename', 'lib/a.ts', 'src/a.ts', 1, 1],
    ]);
    expect(first.tiers).toEqual(['new-file', 'delete', 'exact']);
    expect(first.result.changes.map((change) => [change.path, change.content === null])).toEqual([
      ['src/new.ts', false],
      ['src/old.ts', true],
      ['src/a.ts', true],
      ['lib/a.ts', false],
    ]);
    const second = await applyOk(first.files, patch);
    expect(second.result.changes).toEqual([]);
    expect(second.tiers).toEqual(['already-applied', 'already-applied', 'already-applied']);
  });

  it('refuses a rename onto an existing file and a rename of a missing one', async () => {
    const rename = 'diff --git a/a.txt b/b.txt\nsimilarity index 100%\nrename from a.txt\nrename to b.txt\n';
    expect(failuresOf((await run({ 'a.txt': 'a\n', 'b.txt': 'b\n' }, rename)).result)[0]!.reason).toBe(
      'file-exists',
    );
    expect(failuresOf((await run({}, rename)).result)[0]!.reason).toBe('file-missing');
  });

  it('creates a file from a diff that forgot /dev/null, and a whole file on a missing path', async () => {
    const { files, tiers } = await applyOk({}, '--- a/n.txt\n+++ b/n.txt\n@@ -0,0 +1,2 @@\n+one\n+two\n');
    expect(files).toEqual({ 'n.txt': 'one\ntwo\n' });
    expect(tiers).toEqual(['new-file']);
  });

  it('creates a file without a final newline when the diff says so', async () => {
    const { files } = await applyOk(
      {},
      '--- /dev/null\n+++ b/n.txt\n@@ -0,0 +1 @@\n+one\n\\ No newline at end of file\n',
    );
    expect(files).toEqual({ 'n.txt': 'one' });
  });
});

describe('applyEdits: placing hunks', () => {
  it('tolerates blank-line differences on the whitespace tier', async () => {
    const file = 'a();\n\n\nb();\nc();\n';
    const { files, tiers } = await applyOk(
      { 'w.js': file },
      diff('w.js', '@@\n a();\n b();\n-c();\n+d();\n'),
    );
    expect(files['w.js']).toBe('a();\n\n\nb();\nd();\n');
    expect(tiers).toEqual(['whitespace']);
  });

  it('maps space indentation onto a tab-indented file (indentation tier)', async () => {
    const file = 'func main() {\n\tif ok {\n\t\trun()\n\t}\n}\n';
    const patch = diff('main.go', '@@\n     if ok {\n         run()\n+        log()\n     }\n');
    const { files, tiers } = await applyOk({ 'main.go': file }, patch);
    expect(files['main.go']).toBe('func main() {\n\tif ok {\n\t\trun()\n\t\tlog()\n\t}\n}\n');
    expect(tiers).toEqual(['indentation']);
  });

  it('disables the fuzzy tier with fuzzyThreshold 1', async () => {
    const file = 'one();\ntwo();\nthree();\nfour();\nfive();\n';
    const patch = diff('f.js', '@@\n one();\n two(1);\n three();\n-four();\n+FOUR();\n five();\n');
    const fuzzy = await applyOk({ 'f.js': file }, patch);
    expect(fuzzy.tiers).toEqual(['fuzzy']);
    expect(fuzzy.files['f.js']).toBe('one();\ntwo();\nthree();\nFOUR();\nfive();\n');
    const strict = await run({ 'f.js': file }, patch, { fuzzyThreshold: 1 });
    expect(failuresOf(strict.result)[0]!.reason).toBe('not-found');
  });

  it('refuses a fuzzy match that is not clearly better than the next one', async () => {
    const block = (name: string) => `start();\n${name}();\nmiddle();\nremove();\nend();\n`;
    const file = `${block('alpha')}\n${block('gamma')}`;
    const patch = diff('f.js', '@@\n start();\n beta();\n middle();\n-remove();\n end();\n');
    expect(failuresOf((await run({ 'f.js': file }, patch)).result)[0]).toMatchObject({ reason: 'ambiguous' });
  });

  it('keeps each file line ending: CRLF stays CRLF, a mixed file keeps its untouched lines', async () => {
    const crlf = await applyOk({ 'w.txt': 'a\r\nb\r\nc\r\n' }, diff('w.txt', '@@\n a\n-b\n+B\n+B2\n c\n'));
    expect(crlf.files['w.txt']).toBe('a\r\nB\r\nB2\r\nc\r\n');
    const mixed = await applyOk({ 'm.txt': 'a\r\nb\nc\r\nd\r\n' }, diff('m.txt', '@@\n c\n-d\n+D\n'));
    expect(mixed.files['m.txt']).toBe('a\r\nb\nc\r\nD\r\n');
  });

  it('keeps a missing final newline unless the patch changes it', async () => {
    const kept = await applyOk({ 'n.txt': 'a\nb' }, diff('n.txt', '@@\n a\n-b\n+c\n'));
    expect(kept.files['n.txt']).toBe('a\nc');
    const added = await applyOk(
      { 'n.txt': 'a\nb' },
      diff('n.txt', '@@\n a\n-b\n\\ No newline at end of file\n+b\n'),
    );
    expect(added.files['n.txt']).toBe('a\nb\n');
    const removed = await applyOk(
      { 'n.txt': 'a\nb\n' },
      diff('n.txt', '@@\n a\n-b\n+b\n\\ No newline at end of file\n'),
    );
    expect(removed.files['n.txt']).toBe('a\nb');
  });

  it('applies several edits of one file in sequence on the evolving content', async () => {
    const patch = `${diff('s.txt', '@@\n-a\n+b\n')}${diff('s.txt', '@@\n-b\n+c\n')}`;
    const { files, result } = await applyOk({ 's.txt': 'a\n' }, patch);
    expect(files['s.txt']).toBe('c\n');
    expect(result.files.map((file) => file.editIndex)).toEqual([0, 1]);
  });

  it('reports the hunk tiers of a mixed patch in hunk order', async () => {
    const file = 'alpha\nbeta\ngamma\n\ndelta  \nepsilon\n';
    const patch = diff(
      't.txt',
      '@@ -5,2 +5,2 @@\n delta\n-epsilon\n+EPSILON\n@@ -1,2 +1,2 @@\n alpha\n-beta\n+BETA\n',
    );
    const { files, result } = await applyOk({ 't.txt': file }, patch);
    expect(files['t.txt']).toBe('alpha\nBETA\ngamma\n\ndelta  \nEPSILON\n');
    expect(result.files[0]!.hunks).toEqual([
      { index: 0, tier: 'trailing-whitespace', startLine: 5 },
      { index: 1, tier: 'exact', startLine: 1 },
    ]);
  });
});

describe('applyEdits: SEARCH/REPLACE, apply_patch and whole files', () => {
  const original =
    'export function greet(name) {\n  return "Hello " + name;\n}\n\nexport const version = 1;\n';
  const expected =
    'export function greet(name, punctuation = "!") {\n  return "Hello " + name + punctuation;\n}\n\nexport const version = 1;\n';

  const equivalents: Array<[string, string, MatchTier[]]> = [
    [
      'unified diff',
      diff(
        'src/greet.js',
        '@@ -1,3 +1,3 @@\n-export function greet(name) {\n-  return "Hello " + name;\n+export function greet(name, punctuation = "!") {\n+  return "Hello " + name + punctuation;\n }\n',
      ),
      ['exact'],
    ],
    [
      'SEARCH/REPLACE',
      'src/greet.js\n```js\n<<<<<<< SEARCH\nexport function greet(name) {\n  return "Hello " + name;\n=======\nexport function greet(name, punctuation = "!") {\n  return "Hello " + name + punctuation;\n>>>>>>> REPLACE\n```\n',
      ['exact'],
    ],
    [
      'apply_patch',
      '*** Begin Patch\n*** Update File: src/greet.js\n@@ export function greet(name) {\n-export function greet(name) {\n-  return "Hello " + name;\n+export function greet(name, punctuation = "!") {\n+  return "Hello " + name + punctuation;\n }\n*** End Patch\n',
      ['exact'],
    ],
    ['whole file', `\`\`\`js path=src/greet.js\n${expected}\`\`\`\n`, ['whole-file']],
  ];

  for (const [name, text, tiers] of equivalents) {
    it(`gives the same result as a ${name}`, async () => {
      const applied = await applyOk({ 'src/greet.js': original }, text);
      expect(applied.result.changes).toEqual([{ path: 'src/greet.js', content: expected }]);
      expect(applied.tiers).toEqual(tiers);
      const again = await applyOk(applied.files, text);
      expect(again.result.changes).toEqual([]);
      expect(again.tiers).toEqual(['already-applied']);
    });
  }

  it('does not insert the lines of a pure insertion twice when the reply is applied again', async () => {
    const original = 'import a from "a";\n\nexport function f() {\n  return a();\n}\n';
    const diff =
      '--- a/f.js\n+++ b/f.js\n@@ -1,3 +1,4 @@\n import a from "a";\n+import b from "b";\n \n export function f() {\n';
    const search =
      'f.js\n<<<<<<< SEARCH\nimport a from "a";\n=======\nimport a from "a";\nimport b from "b";\n>>>>>>> REPLACE\n';
    for (const text of [diff, search]) {
      const first = await applyOk({ 'f.js': original }, text);
      expect(first.files['f.js']).toBe(original.replace('"a";\n', '"a";\nimport b from "b";\n'));
      const again = await applyOk(first.files, text);
      expect(again.result.changes).toEqual([]);
      expect(again.tiers).toEqual(['already-applied']);
    }
  });

  it('applies SEARCH/REPLACE blocks in sequence; a later block may match an earlier result', async () => {
    const text =
      'a.txt\n<<<<<<< SEARCH\none\n=======\ntwo\n>>>>>>> REPLACE\n<<<<<<< SEARCH\ntwo\n=======\nthree\n>>>>>>> REPLACE\n';
    const { files, tiers } = await applyOk({ 'a.txt': 'one\n' }, text);
    expect(files['a.txt']).toBe('three\n');
    expect(tiers).toEqual(['exact', 'exact']);
  });

  it('creates with an empty SEARCH, and refuses one on a file with other content', async () => {
    const create = 'docs/new.md\n<<<<<<< SEARCH\n=======\n# New\n>>>>>>> REPLACE\n';
    const created = await applyOk({}, create);
    expect(created.files).toEqual({ 'docs/new.md': '# New\n' });
    expect(created.result.files[0]).toMatchObject({ operation: 'create', hunks: [{ tier: 'new-file' }] });
    expect((await applyOk(created.files, create)).tiers).toEqual(['already-applied']);
    const failure = failuresOf((await run({ 'docs/new.md': '# Old\n' }, create)).result)[0]!;
    expect(failure).toMatchObject({ reason: 'file-exists', hunkIndex: 0 });
  });

  it('keeps CRLF and the missing final newline of a file edited by SEARCH/REPLACE and by a whole file', async () => {
    const searchReplace = await applyOk(
      { 'c.txt': 'x\r\ny\r\nz' },
      'c.txt\n<<<<<<< SEARCH\ny\n=======\nY\n>>>>>>> REPLACE\n',
    );
    expect(searchReplace.files['c.txt']).toBe('x\r\nY\r\nz');
    const whole = await applyOk({ 'c.txt': 'x\r\ny\r\n' }, '```txt path=c.txt\nx\nY\n```\n');
    expect(whole.files['c.txt']).toBe('x\r\nY\r\n');
  });

  it('apply_patch: adds, moves, deletes; a pure addition goes at the end; End of File anchors', async () => {
    const files = {
      'app.py': 'def run():\n    return 1\n\n\ndef stop():\n    return 1\n',
      'old.txt': 'old\n',
    };
    const text = [
      '*** Begin Patch',
      '*** Add File: notes.md',
      '+# Notes',
      '*** Update File: app.py',
      '*** Move to: main.py',
      '@@ def stop():',
      '-    return 1',
      '+    return 0',
      '@@',
      '+',
      '+',
      '+def main():',
      '+    run()',
      '*** End of File',
      '*** Delete File: old.txt',
      '*** End Patch',
    ].join('\n');
    const applied = await applyOk(files, text);
    expect(applied.files).toEqual({
      'notes.md': '# Notes\n',
      'main.py': 'def run():\n    return 1\n\n\ndef stop():\n    return 0\n\n\ndef main():\n    run()\n',
    });
    expect(applied.tiers).toEqual(['new-file', 'exact', 'exact', 'delete']);
    const again = await applyOk(applied.files, text);
    expect(again.result.changes).toEqual([]);
  });
});

describe('applyEdits: apply_patch anchors and large files', () => {
  it('seeks the @@ anchor first: a unique match before it is not taken', async () => {
    const file = 'def run():\n    return 1\n\n\ndef stop():\n    return 2\n';
    const text =
      '*** Begin Patch\n*** Update File: app.py\n@@ def stop():\n-    return 1\n+    return 0\n*** End Patch\n';
    const failure = failuresOf((await run({ 'app.py': file }, text)).result)[0]!;
    expect(failure).toMatchObject({ reason: 'not-found', hunkIndex: 0 });
    const both = 'def run():\n    return 1\n\n\ndef stop():\n    return 1\n';
    const { files } = await applyOk({ 'app.py': both }, text);
    expect(files['app.py']).toBe('def run():\n    return 1\n\n\ndef stop():\n    return 0\n');
  });

  it('stays fast on a large file, including the fuzzy tier and the closest-region search', async () => {
    const lines = Array.from(
      { length: 60_000 },
      (_, index) => `  value_${index % 997} = compute(${index}, "${'x'.repeat(index % 40)}");`,
    );
    const file = `${lines.join('\n')}\n`;
    const target = 41_234;
    const hunk = [
      '@@',
      ` ${lines[target - 2]}`,
      ` ${lines[target - 1]}`.replace('compute', 'compute_v2'),
      `-${lines[target]}`,
      `+  changed();`,
      ` ${lines[target + 1]}`,
      ` ${lines[target + 2]}`,
      '',
    ].join('\n');
    const fuzzy = await applyOk({ 'big.py': file }, diff('big.py', hunk));
    expect(fuzzy.tiers).toEqual(['fuzzy']);
    expect(fuzzy.files['big.py']!.split('\n')[target]).toBe('  changed();');
    const missing = diff('big.py', '@@\n nothing like this\n-anywhere in the file\n+at all\n');
    const failure = failuresOf((await run({ 'big.py': file }, missing)).result)[0]!;
    expect(failure.reason).toBe('not-found');
  });
});

describe('applyEdits: programmer errors throw, bad edits do not', () => {
  it('throws InvalidInputError for bad options', async () => {
    const readFile = async () => null;
    const bad: unknown[] = [
      { edits: 'x' },
      { edits: 42, readFile },
      { edits: [], readFile, fuzzyThreshold: 2 },
      { edits: [], readFile, forbiddenPaths: 'x' },
    ];
    for (const options of bad) {
      const error = await applyEdits(options as ApplyEditsOptions).then(
        () => null,
        (caught: unknown) => caught,
      );
      expect(GoosukeError.isInstance(error) && error.code).toBe('invalid_input');
    }
  });

  it('rethrows readFile errors', async () => {
    const failing = async (): Promise<string | null> => {
      throw new Error('disk on fire');
    };
    await expect(applyEdits({ edits: diff('a', '@@\n-a\n+b\n'), readFile: failing })).rejects.toThrow(
      'disk on fire',
    );
  });
});
