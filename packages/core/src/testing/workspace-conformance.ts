import { afterEach, describe, expect, it } from 'vitest';
import type { Workspace } from '../ports/index.ts';
import { expectGoosukeError, expectRejectsWith, rejectionOf } from './conformance-assertions.ts';

/**
 * Symbolic links, for an implementation on a real file system. Each method works on the subject's
 * own workspace; paths are relative to its root.
 */
export interface WorkspaceConformanceLinks {
  /** Makes `path` a symbolic link to `target`, another path inside the root (a directory or a file). */
  linkInside(path: string, target: string): Promise<void>;
  /**
   * Makes `path` a symbolic link to a directory outside the root that holds one file,
   * `secret.txt`, with the content `secret`.
   */
  linkOutsideDirectory(path: string): Promise<void>;
  /** Makes `path` a symbolic link to that `secret.txt` outside the root. */
  linkOutsideFile(path: string): Promise<void>;
  /** Makes `path` a symbolic link to a missing place outside the root. */
  linkBroken(path: string): Promise<void>;
  /** Every entry of the directory outside the root, relative to it and sorted, to prove nothing was planted there. */
  outsideEntries(): Promise<string[]>;
}

/** What the workspace conformance suite works with in one test. */
export interface WorkspaceConformanceSubject {
  /** The workspace under test, not yet written to through the port. */
  workspace: Workspace;
  /** Present where the implementation has a real file system; the symbolic link cases are skipped without it. */
  links?: WorkspaceConformanceLinks;
}

/** How the workspace conformance suite gets the workspace under test. */
export interface WorkspaceConformanceFactory {
  /**
   * A fresh workspace holding exactly `files` (path to text; paths in normal form, none under
   * `.git`, none with a symbolic link on the way). Called at the start of every test.
   */
  create(files: Record<string, string>): Promise<WorkspaceConformanceSubject>;
  /** Called after every test. */
  cleanup?(): Promise<void>;
}

const testTimeoutMs = 15_000;

/**
 * Paths every workspace refuses (InvalidInputError) for reads and writes: they leave the root,
 * are not in the shared spelling (`normalizeWorkspacePath`), or reach into git's metadata.
 */
const refusedPaths: ReadonlyArray<readonly [string, string]> = [
  ['../outside.txt', 'a leading ..'],
  ['src/../../outside.txt', 'a .. that climbs out'],
  ['src/../a.ts', 'a .. that would stay inside'],
  ['/etc/passwd', 'an absolute path'],
  ['C:/Windows/win.ini', 'a drive path'],
  ['C:x', 'a drive-relative path'],
  ['src\\a.ts', 'a backslash'],
  ['', 'the empty path'],
  ['.', 'the root'],
  ['./', 'the root, with a slash'],
  ['a\0b', 'a NUL byte'],
  ['.git/config', "git's metadata"],
  ['.git', 'the .git directory itself'],
  ['sub/.git', 'a nested working copy'],
  ['.GIT/HEAD', '.git in another letter case'],
  ['a/.Git/x', '.git in another letter case, deeper'],
  ['.git./config', '.git with a trailing dot'],
];

/**
 * Runs the Workspace contract (see `Workspace` in `@goosuke/core`) against an implementation:
 * listing and reading (null when missing, directories refused), writes that create, change and
 * delete in one all-or-nothing change set, a failing change set that leaves every file as it was,
 * the shared path rule (`normalizeWorkspacePath`: `..`, absolute paths, backslashes, NUL, the root
 * itself and `.git` refused, `./a//b` read as `a/b`), exact round trips of CRLF and unicode text,
 * `revision` cleared by a write, and, where the factory offers links, symbolic links that must not
 * lead outside the root. Call it inside a test file of the implementation's package.
 */
export function describeWorkspaceConformance(name: string, factory: WorkspaceConformanceFactory): void {
  describe(`Workspace conformance: ${name}`, () => {
    afterEach(async () => {
      await factory.cleanup?.();
    });

    async function workspaceWith(files: Record<string, string>): Promise<Workspace> {
      return (await factory.create(files)).workspace;
    }

    /** Every file with its text, through the port. */
    async function contentsOf(workspace: Workspace): Promise<Record<string, string | null>> {
      const contents: Record<string, string | null> = {};
      for (const path of await workspace.listFiles()) contents[path] = await workspace.readFile(path);
      return contents;
    }

    describe('reading', () => {
      it(
        'lists every file, sorted by code unit, with forward slashes; an empty workspace lists none',
        async () => {
          const workspace = await workspaceWith({
            'src/b.ts': 'b',
            'README.md': 'r',
            'src/a.ts': 'a',
            Z: 'z',
            'src/deep/er/c.ts': 'c',
            '.github/workflows/ci.yml': 'ci',
          });
          expect(await workspace.listFiles()).toEqual([
            '.github/workflows/ci.yml',
            'README.md',
            'Z',
            'src/a.ts',
            'src/b.ts',
            'src/deep/er/c.ts',
          ]);
          expect(await (await workspaceWith({})).listFiles()).toEqual([]);
        },
        testTimeoutMs,
      );

      it(
        'reads a file, null when it is missing, under a missing directory, or under a file',
        async () => {
          const workspace = await workspaceWith({ 'src/a.ts': 'export const a = 1;\n', 'a.txt': 'text' });
          expect(await workspace.readFile('src/a.ts')).toBe('export const a = 1;\n');
          expect(await workspace.readFile('src/missing.ts')).toBeNull();
          expect(await workspace.readFile('missing-dir/deeper/x.ts')).toBeNull();
          expect(await workspace.readFile('a.txt/b.ts')).toBeNull();
        },
        testTimeoutMs,
      );

      it(
        'reads ./a//b as a/b, and a trailing slash as the name before it',
        async () => {
          const workspace = await workspaceWith({ 'src/a.ts': 'a' });
          expect(await workspace.readFile('./src//a.ts')).toBe('a');
          expect(await workspace.readFile('src/./a.ts')).toBe('a');
          expect(await workspace.readFile('src/a.ts/')).toBe('a');
        },
        testTimeoutMs,
      );

      it(
        'refuses to read a directory (invalid_input)',
        async () => {
          const workspace = await workspaceWith({ 'src/a.ts': 'a' });
          await expectRejectsWith(() => workspace.readFile('src'), 'invalid_input');
        },
        testTimeoutMs,
      );

      it(
        'reads and lists file names with spaces and non-ASCII letters',
        async () => {
          const files = { 'docs/日本語 の ノート.md': '# ノート\n', 'src/ünïcødé file.ts': 'x' };
          const workspace = await workspaceWith(files);
          expect(await workspace.listFiles()).toEqual(['docs/日本語 の ノート.md', 'src/ünïcødé file.ts']);
          expect(await workspace.readFile('docs/日本語 の ノート.md')).toBe('# ノート\n');
        },
        testTimeoutMs,
      );
    });

    describe('writing', () => {
      it(
        'creates (with new directories), changes and deletes files in one change set',
        async () => {
          const workspace = await workspaceWith({
            'src/a.ts': 'old a\n',
            'src/gone.ts': 'gone\n',
            'keep.md': 'k',
          });
          await workspace.writeFiles([
            { path: 'src/a.ts', content: 'new a\n' },
            { path: 'src/deep/er/b.ts', content: 'b\n' },
            { path: 'src/gone.ts', content: null },
          ]);
          expect(await contentsOf(workspace)).toEqual({
            'keep.md': 'k',
            'src/a.ts': 'new a\n',
            'src/deep/er/b.ts': 'b\n',
          });
          expect(await workspace.readFile('src/gone.ts')).toBeNull();
        },
        testTimeoutMs,
      );

      it(
        'treats deleting a missing file as done, and an empty change set as nothing to do',
        async () => {
          const workspace = await workspaceWith({ 'a.ts': 'a' });
          await workspace.writeFiles([{ path: 'never/existed.ts', content: null }]);
          await workspace.writeFiles([]);
          expect(await contentsOf(workspace)).toEqual({ 'a.ts': 'a' });
        },
        testTimeoutMs,
      );

      it(
        'lets a file take the place of a directory an earlier write emptied',
        async () => {
          const workspace = await workspaceWith({ 'a/only.ts': 'x', 'top.ts': 't' });
          await workspace.writeFiles([{ path: 'a/only.ts', content: null }]);
          await workspace.writeFiles([{ path: 'a', content: 'now a file' }]);
          expect(await contentsOf(workspace)).toEqual({ a: 'now a file', 'top.ts': 't' });
        },
        testTimeoutMs,
      );

      it(
        'writes to the normal form of the path it is given',
        async () => {
          const workspace = await workspaceWith({});
          await workspace.writeFiles([{ path: './src//a.ts', content: 'a' }]);
          expect(await workspace.listFiles()).toEqual(['src/a.ts']);
          expect(await workspace.readFile('src/a.ts')).toBe('a');
        },
        testTimeoutMs,
      );

      it(
        'round-trips text exactly: CRLF, a lone CR, a byte-order mark, no final newline, unicode, empty',
        async () => {
          const texts: Record<string, string> = {
            'crlf.txt': 'line one\r\nline two\r\n',
            'mixed.txt': 'unix\ndos\r\nold mac\rend',
            'bom.txt': '\uFEFFwith a byte-order mark\n',
            'unicode.txt': 'ligne deux é 漢字 🦆 \u0301 \u200D zero-width\nno newline',
            'empty.txt': '',
            'tabs and spaces.txt': '\t  indented  \t\n',
          };
          const workspace = await workspaceWith({ 'seeded-crlf.txt': 'a\r\nb\r\n' });
          expect(await workspace.readFile('seeded-crlf.txt')).toBe('a\r\nb\r\n');
          await workspace.writeFiles(Object.entries(texts).map(([path, content]) => ({ path, content })));
          for (const [path, content] of Object.entries(texts)) {
            expect(await workspace.readFile(path), path).toBe(content);
          }
          expect(await workspace.listFiles()).toEqual([...Object.keys(texts), 'seeded-crlf.txt'].sort());
        },
        testTimeoutMs,
      );

      it(
        'refuses the same file twice in one change set, writing nothing',
        async () => {
          const workspace = await workspaceWith({ 'a.ts': 'old' });
          await expectRejectsWith(
            () =>
              workspace.writeFiles([
                { path: 'a.ts', content: 'one' },
                { path: './a.ts', content: 'two' },
              ]),
            'invalid_input',
          );
          expect(await contentsOf(workspace)).toEqual({ 'a.ts': 'old' });
        },
        testTimeoutMs,
      );

      it(
        'refuses to write or delete a directory, writing nothing',
        async () => {
          const workspace = await workspaceWith({ 'folder/x.ts': 'x', 'a.ts': 'a' });
          for (const content of ['a file now', null]) {
            await expectRejectsWith(
              () =>
                workspace.writeFiles([
                  { path: 'a.ts', content: 'changed' },
                  { path: 'folder', content },
                ]),
              'invalid_input',
            );
          }
          expect(await contentsOf(workspace)).toEqual({ 'a.ts': 'a', 'folder/x.ts': 'x' });
        },
        testTimeoutMs,
      );

      it(
        'a change set that fails part-way leaves every file as it was and rejects with a GoosukeError',
        async () => {
          // The third change needs `src/blocker` as a directory, but it is a file: whether the
          // implementation sees it before writing or when the write fails, nothing may change.
          const files = {
            'src/one.ts': 'one original\n',
            'src/two.ts': 'two original\n',
            'src/blocker': 'I am a file, not a directory\n',
            'src/four.ts': 'four original\n',
          };
          const workspace = await workspaceWith(files);
          const error = await rejectionOf(() =>
            workspace.writeFiles([
              { path: 'src/one.ts', content: 'one changed\n' },
              { path: 'src/new/nested/two.ts', content: 'created\n' },
              { path: 'src/blocker/three.ts', content: 'cannot exist\n' },
              { path: 'src/four.ts', content: null },
            ]),
          );
          expectGoosukeError(error);
          expect(await contentsOf(workspace)).toEqual(files);
          expect(await workspace.readFile('src/new/nested/two.ts')).toBeNull();
        },
        testTimeoutMs,
      );

      it(
        'a change set that needs one path as both a file and a directory changes nothing',
        async () => {
          const files = { 'a.ts': 'a original\n', 'd.ts': 'd original\n' };
          const workspace = await workspaceWith(files);
          const error = await rejectionOf(() =>
            workspace.writeFiles([
              { path: 'a.ts', content: 'a changed\n' },
              { path: 'x/inner.ts', content: 'inner\n' },
              { path: 'x', content: 'x as a file\n' },
              { path: 'd.ts', content: null },
            ]),
          );
          expectGoosukeError(error);
          expect(await contentsOf(workspace)).toEqual(files);
        },
        testTimeoutMs,
      );

      it(
        'clears revision once a write went through',
        async () => {
          const workspace = await workspaceWith({ 'a.ts': 'a' });
          const before = workspace.revision;
          expect(before === undefined || (typeof before === 'string' && before.length > 0)).toBe(true);
          expect(workspace.revision, 'reading leaves the revision as it was').toBe(before);
          await workspace.readFile('a.ts');
          await workspace.listFiles();
          expect(workspace.revision).toBe(before);
          await workspace.writeFiles([{ path: 'a.ts', content: 'changed' }]);
          expect(workspace.revision).toBeUndefined();
        },
        testTimeoutMs,
      );
    });

    describe('paths that are refused', () => {
      it.each(refusedPaths)(
        'refuses %j (%s) for reads and writes, writing nothing',
        async (refused) => {
          const workspace = await workspaceWith({ 'a.ts': 'old' });
          await expectRejectsWith(() => workspace.readFile(refused), 'invalid_input');
          for (const content of ['planted', null]) {
            await expectRejectsWith(
              () =>
                workspace.writeFiles([
                  { path: 'a.ts', content: 'changed' },
                  { path: 'new.ts', content: 'new' },
                  { path: refused, content },
                ]),
              'invalid_input',
            );
          }
          expect(await contentsOf(workspace)).toEqual({ 'a.ts': 'old' });
        },
        testTimeoutMs,
      );

      it(
        'refuses a path that is not a string',
        async () => {
          const workspace = await workspaceWith({ 'a.ts': 'old' });
          await expectRejectsWith(() => workspace.readFile(42 as unknown as string), 'invalid_input');
          await expectRejectsWith(
            () => workspace.writeFiles([{ path: null as unknown as string, content: 'x' }]),
            'invalid_input',
          );
          expect(await contentsOf(workspace)).toEqual({ 'a.ts': 'old' });
        },
        testTimeoutMs,
      );
    });

    describe('symbolic links', () => {
      async function withLinks(
        files: Record<string, string>,
        skip: (note: string) => never,
      ): Promise<{ workspace: Workspace; links: WorkspaceConformanceLinks }> {
        const subject = await factory.create(files);
        if (subject.links === undefined)
          skip('no file system, so no symbolic links (the factory offers none)');
        return { workspace: subject.workspace, links: subject.links };
      }

      it(
        'refuses to read through a link that leads outside the root',
        async (context) => {
          const { workspace, links } = await withLinks({ 'a.ts': 'a' }, (note) => context.skip(note));
          await links.linkOutsideDirectory('linked');
          await links.linkOutsideFile('secret-link.txt');
          for (const escaping of ['linked/secret.txt', 'linked/missing.txt', 'secret-link.txt']) {
            await expectRejectsWith(() => workspace.readFile(escaping), 'invalid_input');
          }
        },
        testTimeoutMs,
      );

      it(
        'refuses to write through a link that leads outside, writing nothing inside or outside',
        async (context) => {
          const files = { 'src/a.ts': 'original' };
          const { workspace, links } = await withLinks(files, (note) => context.skip(note));
          await links.linkOutsideDirectory('linked');
          await links.linkOutsideFile('secret-link.txt');
          const outside = await links.outsideEntries();
          for (const escaping of ['linked/planted.ts', 'linked/secret.txt', 'secret-link.txt']) {
            await expectRejectsWith(
              () =>
                workspace.writeFiles([
                  { path: 'src/a.ts', content: 'changed' },
                  { path: 'new.ts', content: 'new' },
                  { path: escaping, content: 'planted' },
                ]),
              'invalid_input',
            );
          }
          expect(await links.outsideEntries()).toEqual(outside);
          expect(await workspace.readFile('src/a.ts')).toBe('original');
          expect(await workspace.readFile('new.ts')).toBeNull();
        },
        testTimeoutMs,
      );

      it(
        'follows a link that stays inside the root, for reads and writes',
        async (context) => {
          const { workspace, links } = await withLinks({ 'packages/lib/index.ts': 'old' }, (note) =>
            context.skip(note),
          );
          await links.linkInside('lib', 'packages/lib');
          expect(await workspace.readFile('lib/index.ts')).toBe('old');
          await workspace.writeFiles([
            { path: 'lib/index.ts', content: 'new' },
            { path: 'lib/added.ts', content: 'added' },
          ]);
          expect(await workspace.readFile('packages/lib/index.ts')).toBe('new');
          expect(await workspace.readFile('packages/lib/added.ts')).toBe('added');
        },
        testTimeoutMs,
      );

      it(
        'refuses to replace a link, or to create anything through a broken one',
        async (context) => {
          const { workspace, links } = await withLinks({ 'real.ts': 'real' }, (note) => context.skip(note));
          await links.linkInside('alias.ts', 'real.ts');
          await links.linkBroken('dangling');
          const outside = await links.outsideEntries();
          for (const refused of ['alias.ts', 'dangling', 'dangling/file.ts']) {
            await expectRejectsWith(
              () => workspace.writeFiles([{ path: refused, content: 'x' }]),
              'invalid_input',
            );
          }
          expect(await workspace.readFile('real.ts')).toBe('real');
          expect(await links.outsideEntries()).toEqual(outside);
        },
        testTimeoutMs,
      );
    });
  });
}
