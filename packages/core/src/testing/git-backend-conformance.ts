import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { applyEdits, parseEdits } from '../edits/index.ts';
import type { GitAuthor, GitBackend, RepoCheckout, Workspace } from '../ports/index.ts';
import { expectGoosukeError, expectRejectsWith, rejectionOf } from './conformance-assertions.ts';
import { describeGitBackendRemoteUrlCases } from './git-backend-conformance-remote.ts';
import { describeGitBackendTagCases } from './git-backend-conformance-tags.ts';
import { runGit } from './git-fixtures.ts';

/** How the git backend conformance suite gets the backend under test and its remotes. */
export interface GitBackendConformanceFactory {
  /** A backend for one test; called before every test. */
  create(): Promise<GitBackend>;
  /**
   * The URL `clone` should be given for the source repository at `sourceDir` (a non-bare
   * repository made with the git CLI). Defaults to the absolute path itself; implementations
   * that only speak a network protocol serve the directory here (e.g. over smart HTTP).
   */
  makeRemote?(sourceDir: string): Promise<string>;
  /** Called after every test, once its backend is no longer used. */
  cleanup?(): Promise<void>;
  /** The backend's `openCommit` offers `listSizes` (optional in the port): the suite then requires it. */
  listsSizes?: boolean;
}

/** The git CLI with binary-safe output (fixture blobs are compared byte for byte). */
function runGitCli(cwd: string, args: readonly string[], input?: string): Promise<string> {
  return runGit(cwd, args, { encoding: 'latin1', ...(input === undefined ? {} : { input }) });
}

const binaryBefore = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x01, 0x02, 0x03, 0xff, 0x00, 0x10]);
const binaryAfter = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x00, 0x09, 0x08, 0x07, 0xfe, 0x00, 0x11, 0x12]);
const longText = Array.from({ length: 40 }, (_, index) => `line ${index + 1}`).join('\n');

/** The source repository's two commits: `v1` (tagged, branch `feature`) and `main` one commit later. */
const firstFiles: Record<string, string | Buffer> = {
  'README.md': '# fixture\n',
  'src/app.ts': `${longText}\n`,
  'src/util.ts': 'export const one = 1;\n',
  'docs/guide.md': 'A guide.\nWith two lines.\n',
  'data/blob.bin': binaryBefore,
  'no-newline.txt': 'first\nlast line without newline',
  'old-name.txt': 'content that moves\nacross a rename\n',
  'doomed.txt': 'this file will be deleted\n',
  '.gitignore': '*.log\nbuild/\n',
};

async function writeTree(root: string, files: Record<string, string | Buffer>): Promise<void> {
  for (const [file, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await writeFile(path.join(root, file), content);
  }
}

/** Every file of a commit, path to bytes, through the git CLI. */
async function treeOfCommit(repository: string, commit: string): Promise<Map<string, Buffer>> {
  const names = (await runGitCli(repository, ['ls-tree', '-r', '-z', '--name-only', commit]))
    .split('\0')
    .filter(Boolean)
    .map((name) => Buffer.from(name, 'latin1').toString('utf8'));
  const result = new Map<string, Buffer>();
  for (const name of names) {
    result.set(
      name,
      Buffer.from(await runGitCli(repository, ['cat-file', 'blob', `${commit}:${name}`]), 'latin1'),
    );
  }
  return result;
}

/** Every file under `root` but `.git`, path to bytes. */
async function treeOfDirectory(
  root: string,
  skip: (file: string) => boolean = () => false,
): Promise<Map<string, Buffer>> {
  const { readdir } = await import('node:fs/promises');
  const entries = await readdir(root, { recursive: true, withFileTypes: true });
  const result = new Map<string, Buffer>();
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const relative = path.relative(root, path.join(entry.parentPath, entry.name)).split(path.sep).join('/');
    if (relative === '.git' || relative.startsWith('.git/') || skip(relative)) continue;
    result.set(relative, await readFile(path.join(root, relative)));
  }
  return result;
}

function sortedEntries(tree: Map<string, Buffer>): Array<[string, string]> {
  return [...tree].map(([file, content]) => [file, content.toString('base64')] as [string, string]).sort();
}

/**
 * Registers, as one vitest `describe` block named `GitBackend conformance: <name>`, the tests
 * every GitBackend implementation must pass, on real repositories built with the git CLI in
 * temporary directories (the `git` binary must be on PATH):
 * - clone of a source repository (reusing an existing clone fetches new commits), listBranches;
 * - listTags after a clone and after a fetch: lightweight and annotated tags on commits no
 *   branch holds are fetched and resolvable (peeled), and the clone's tags mirror the remote's
 *   (new ones added, deleted ones removed, moved ones moved);
 * - resolveRef of a branch, a remote-tracking branch, a tag, a full and an abbreviated commit
 *   id; NotFoundError for an unknown ref;
 * - a working copy at a base commit holds exactly the base tree; its Workspace refuses `.git` paths;
 * - two working copies at once never see each other's writes;
 * - diff against the base covers new, modified, deleted, renamed, binary files and files without
 *   a final newline, leaves out ignored files, applies with `git apply` in a fresh worktree of the
 *   clone at the base (giving the working copy's tree; binary files are given as
 *   `Binary files … differ` with full blob ids present in the clone's object store, or as a
 *   `GIT binary patch`), and its text part re-applies through core's `applyEdits`;
 * - commit lands on the working copy's branch with the base as parent and the given author,
 *   records deletions, and stays in the clone after removeWorkingCopy, which is idempotent;
 * - 4 working copies of one clone created, written and committed in parallel all succeed;
 * - openCommit lists and reads a commit's files as committed, whatever copies of it do, and lists
 *   their sizes in bytes when it offers `listSizes`;
 * - diff and commit told which paths changed give what a full scan gives;
 * - setBranch creates a branch, fast-forwards it, refuses other moves (and branches a working
 *   copy has checked out) unless forced, refuses unknown commits and bad names;
 * - isAncestor agrees with `git merge-base --is-ancestor`, a commit being its own ancestor;
 * - mergeIntoBranch fast-forwards, does nothing when already merged, makes a merge commit with
 *   both sides' changes (parents checked with the git CLI) without touching working copies, and
 *   reports a conflict naming every conflicting path with the branch unchanged;
 * - rebaseBranch replays a branch's own commits onto a moved base (linear history, messages and
 *   authors kept, the given committer, both sides' changes), leaves a branch that contains the
 *   base alone and moves one without commits of its own to it, reports a conflicting commit
 *   (naming it and the path) or a merge commit among those to replay as a ConflictError with the
 *   branch unchanged and nothing left behind (refs, the clone's git directory, HEAD and index),
 *   refuses a branch a working copy has checked out, unknown branches and commits, and bad names;
 * - pushBranch to an origin of its own (through `makeRemote`), fast-forwarding it, refusing a
 *   non-fast-forward unless forced, and moving the remote-tracking branch with each push.
 */
export function describeGitBackendConformance(name: string, factory: GitBackendConformanceFactory): void {
  describe(`GitBackend conformance: ${name}`, () => {
    let scratch = '';
    let source = '';
    let firstCommit = '';
    let secondCommit = '';
    let backend: GitBackend;
    let testDirectory = '';
    let counter = 0;

    beforeAll(async () => {
      scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-conformance-'));
      source = path.join(scratch, 'source');
      await mkdir(source);
      await runGitCli(source, ['init', '-q', '-b', 'main']);
      await writeTree(source, firstFiles);
      await runGitCli(source, ['add', '-A']);
      await runGitCli(source, ['commit', '-q', '-m', 'first']);
      await runGitCli(source, ['tag', '-a', 'v1', '-m', 'version 1']);
      await runGitCli(source, ['branch', 'feature']);
      firstCommit = (await runGitCli(source, ['rev-parse', 'HEAD'])).trim();
      await writeTree(source, { 'src/util.ts': 'export const one = 1;\nexport const two = 2;\n' });
      await runGitCli(source, ['commit', '-q', '-am', 'second']);
      secondCommit = (await runGitCli(source, ['rev-parse', 'HEAD'])).trim();
    });

    afterAll(async () => {
      if (scratch !== '') await rm(scratch, { recursive: true, force: true });
    });

    const fresh = async (): Promise<string> => {
      testDirectory = path.join(scratch, `test-${++counter}`);
      await mkdir(testDirectory);
      backend = await factory.create();
      return testDirectory;
    };

    afterEach(async () => {
      await factory.cleanup?.();
    });

    const remoteUrl = async (): Promise<string> => (factory.makeRemote ? factory.makeRemote(source) : source);

    describeGitBackendRemoteUrlCases(factory);
    describeGitBackendTagCases(factory);

    const cloneSource = async (): Promise<RepoCheckout> => {
      const directory = await fresh();
      return backend.clone({ url: await remoteUrl(), dir: path.join(directory, 'clone') });
    };

    it('clones a repository, lists its branches, and reuses the clone by fetching', async () => {
      const repo = await cloneSource();
      expect(path.isAbsolute(repo.dir)).toBe(true);
      const branches = await backend.listBranches({ repo });
      expect(branches).toEqual(expect.arrayContaining(['main', 'origin/main', 'origin/feature']));
      expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(secondCommit);

      const extra = path.join(scratch, `source-extra-${counter}`);
      await runGitCli(scratch, ['clone', '-q', source, extra]);
      await writeTree(extra, { 'added-later.txt': 'later\n' });
      await runGitCli(extra, ['add', '-A']);
      await runGitCli(extra, ['commit', '-q', '-m', 'later']);
      const later = (await runGitCli(extra, ['rev-parse', 'HEAD'])).trim();
      await runGitCli(extra, ['push', '-q', 'origin', 'HEAD:refs/heads/later']);
      try {
        const again = await backend.clone({ url: await remoteUrl(), dir: repo.dir });
        expect(again.dir).toBe(repo.dir);
        expect(await backend.resolveRef({ repo: again, ref: 'origin/later' })).toBe(later);
        expect(await backend.listBranches({ repo })).toContain('origin/later');
      } finally {
        await runGitCli(source, ['branch', '-D', 'later']);
      }
    });

    it('resolves branches, remote-tracking branches, tags and commit ids, and refuses unknown refs', async () => {
      const repo = await cloneSource();
      expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(secondCommit);
      expect(await backend.resolveRef({ repo, ref: 'origin/main' })).toBe(secondCommit);
      expect(await backend.resolveRef({ repo, ref: 'origin/feature' })).toBe(firstCommit);
      expect(await backend.resolveRef({ repo, ref: 'v1' })).toBe(firstCommit);
      expect(await backend.resolveRef({ repo, ref: firstCommit })).toBe(firstCommit);
      expect(await backend.resolveRef({ repo, ref: firstCommit.slice(0, 10) })).toBe(firstCommit);
      for (const missing of ['no-such-branch', 'origin/nothing', 'v9', 'f'.repeat(40), 'deadbee']) {
        expectGoosukeError(await rejectionOf(() => backend.resolveRef({ repo, ref: missing })), 'not_found');
      }
    });

    it('makes a working copy that holds exactly the base tree, on a new branch, and guards .git', async () => {
      const repo = await cloneSource();
      const workspace = await backend.createWorkingCopy({
        repo,
        baseRef: 'v1',
        branch: 'goosuke/exact',
        dir: path.join(testDirectory, 'copy'),
      });
      expect(workspace.root).toBe(path.join(testDirectory, 'copy'));
      const expected = await treeOfCommit(source, firstCommit);
      expect(sortedEntries(await treeOfDirectory(workspace.root))).toEqual(sortedEntries(expected));
      expect((await workspace.listFiles()).sort()).toEqual([...expected.keys()].sort());
      expect(await workspace.readFile('src/util.ts')).toBe('export const one = 1;\n');
      expect(await backend.resolveRef({ repo, ref: 'goosuke/exact' })).toBe(firstCommit);
      expect(await backend.listBranches({ repo })).toContain('goosuke/exact');
      const refused = await rejectionOf(() => workspace.writeFiles([{ path: '.git/config', content: 'x' }]));
      expectGoosukeError(refused, 'invalid_input');
      expectGoosukeError(
        await rejectionOf(() =>
          backend.createWorkingCopy({
            repo,
            baseRef: 'main',
            branch: 'goosuke/exact',
            dir: path.join(testDirectory, 'other'),
          }),
        ),
        'conflict',
      );
      expectGoosukeError(
        await rejectionOf(() =>
          backend.createWorkingCopy({
            repo,
            baseRef: 'nope',
            branch: 'goosuke/x',
            dir: path.join(testDirectory, 'x'),
          }),
        ),
        'not_found',
      );
      await backend.removeWorkingCopy({ workspace });
    });

    it('keeps two working copies of one clone isolated from each other', async () => {
      const repo = await cloneSource();
      const left = await backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: 'left',
        dir: path.join(testDirectory, 'left'),
      });
      const right = await backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: 'right',
        dir: path.join(testDirectory, 'right'),
      });
      await left.writeFiles([
        { path: 'README.md', content: '# left\n' },
        { path: 'left-only.txt', content: 'left\n' },
        { path: 'doomed.txt', content: null },
      ]);
      await right.writeFiles([{ path: 'src/util.ts', content: 'export const right = true;\n' }]);
      expect(await right.readFile('README.md')).toBe('# fixture\n');
      expect(await right.readFile('left-only.txt')).toBeNull();
      expect(await right.readFile('doomed.txt')).not.toBeNull();
      expect(await left.readFile('src/util.ts')).toBe('export const one = 1;\nexport const two = 2;\n');
      const leftDiff = await backend.diff({ workspace: left, base: 'main' });
      const rightDiff = await backend.diff({ workspace: right, base: 'main' });
      expect(leftDiff).toContain('left-only.txt');
      expect(leftDiff).not.toContain('src/util.ts');
      expect(rightDiff).toContain('src/util.ts');
      expect(rightDiff).not.toContain('left-only.txt');
      expect(rightDiff).not.toContain('README.md');
      await backend.commit({
        workspace: left,
        message: 'left',
        author: { name: 'L', email: 'l@example.test' },
      });
      expect(await backend.diff({ workspace: right, base: 'main' })).toBe(rightDiff);
      await backend.removeWorkingCopy({ workspace: left });
      await backend.removeWorkingCopy({ workspace: right });
    });

    it('diffs new, modified, deleted, renamed, binary and no-final-newline files so that git apply and applyEdits reproduce the copy', async () => {
      const repo = await cloneSource();
      const workspace = await backend.createWorkingCopy({
        repo,
        baseRef: 'v1',
        branch: 'diffs',
        dir: path.join(testDirectory, 'copy'),
      });
      const appLines = longText.split('\n');
      appLines[2] = 'line 3 changed';
      appLines.splice(30, 1);
      await workspace.writeFiles([
        { path: 'src/app.ts', content: `${appLines.join('\n')}\n` },
        { path: 'src/new-file.ts', content: 'export const created = true;\n' },
        { path: 'doomed.txt', content: null },
        { path: 'old-name.txt', content: null },
        { path: 'moved/new-name.txt', content: 'content that moves\nacross a rename\n' },
        { path: 'no-newline.txt', content: 'first\nlast line changed, still without newline' },
        { path: 'docs/guide.md', content: 'A guide.\nWith two lines.\nNow without a final newline' },
        { path: 'ignored.log', content: 'ignored\n' },
        { path: 'build/output.js', content: 'ignored too\n' },
      ]);
      await writeFile(path.join(workspace.root, 'data/blob.bin'), binaryAfter);
      await writeFile(path.join(workspace.root, 'data/new.bin'), binaryBefore);

      const diff = await backend.diff({ workspace, base: firstCommit });
      expect(diff).toContain('diff --git a/src/app.ts b/src/app.ts');
      expect(diff).toContain('+line 3 changed');
      expect(diff).toMatch(/new file mode 100644\n(?:.*\n)*?\+\+\+ b\/src\/new-file\.ts/);
      expect(diff).toMatch(/deleted file mode 100644\n(?:.*\n)*?--- a\/doomed\.txt/);
      expect(diff).toContain('rename from old-name.txt\nrename to moved/new-name.txt');
      expect(diff).toContain('\\ No newline at end of file');
      expect(diff).toMatch(/Binary files a\/data\/blob\.bin and b\/data\/blob\.bin differ|GIT binary patch/);
      expect(diff).toMatch(/Binary files \/dev\/null and b\/data\/new\.bin differ|GIT binary patch/);
      expect(diff).not.toContain('ignored.log');
      expect(diff).not.toContain('build/output.js');
      expect(diff).not.toContain('README.md');

      const expected = await treeOfDirectory(
        workspace.root,
        (file) => file === 'ignored.log' || file.startsWith('build/'),
      );

      // git apply on a fresh worktree of the clone at the base commit.
      const check = path.join(testDirectory, 'check');
      await runGitCli(repo.dir, ['worktree', 'add', '-q', '--detach', check, firstCommit]);
      await writeFile(path.join(testDirectory, 'change.diff'), diff);
      await runGitCli(check, ['apply', '--index', path.join(testDirectory, 'change.diff')]);
      expect(sortedEntries(await treeOfDirectory(check))).toEqual(sortedEntries(expected));
      await runGitCli(repo.dir, ['worktree', 'remove', '--force', check]);

      // Core's edit engine on the base tree: every text file comes out as in the working copy.
      const base = await treeOfCommit(source, firstCommit);
      const parsed = parseEdits(diff);
      const result = await applyEdits({
        edits: parsed.edits,
        readFile: async (file) => base.get(file)?.toString('utf8') ?? null,
      });
      expect(result.ok, JSON.stringify(result.ok ? [] : result.failures)).toBe(true);
      if (!result.ok) return;
      const applied = new Map(
        [...base].map(([file, content]) => [file, content.toString('utf8')] as [string, string | null]),
      );
      for (const change of result.changes) applied.set(change.path, change.content);
      for (const [file, content] of expected) {
        if (file.endsWith('.bin')) continue;
        expect(applied.get(file), file).toBe(content.toString('utf8'));
      }
      for (const [file, content] of applied) {
        if (file.endsWith('.bin') || content === null) continue;
        expect(expected.has(file), `${file} should be gone`).toBe(true);
      }
      await backend.removeWorkingCopy({ workspace });
    });

    it('commits every change on the working copy branch, with the right parent and author, kept after removal', async () => {
      const repo = await cloneSource();
      const dir = path.join(testDirectory, 'copy');
      const workspace: Workspace = await backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: 'goosuke/run-1',
        dir,
      });
      await workspace.writeFiles([
        { path: 'src/util.ts', content: 'export const changed = true;\n' },
        { path: 'added/deep/file.txt', content: 'new\n' },
        { path: 'doomed.txt', content: null },
      ]);
      const author = { name: 'Run Author', email: 'run@example.test' };
      const commit = await backend.commit({ workspace, message: 'Apply the run', author });
      expect(commit).toMatch(/^[0-9a-f]{40}$/);
      expect(await backend.resolveRef({ repo, ref: 'goosuke/run-1' })).toBe(commit);
      expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(secondCommit);
      expect(await backend.diff({ workspace, base: commit })).toBe('');

      await backend.removeWorkingCopy({ workspace });
      await backend.removeWorkingCopy({ workspace });
      await expect(readFile(path.join(dir, 'README.md'))).rejects.toThrow();

      const log = (await runGitCli(repo.dir, ['log', '-1', '--format=%H%n%P%n%an%n%ae%n%s', 'goosuke/run-1']))
        .trim()
        .split('\n');
      expect(log).toEqual([commit, secondCommit, author.name, author.email, 'Apply the run']);
      await runGitCli(repo.dir, ['fsck', '--no-dangling']);
      const committed = await treeOfCommit(repo.dir, commit);
      expect(committed.get('src/util.ts')?.toString('utf8')).toBe('export const changed = true;\n');
      expect(committed.get('added/deep/file.txt')?.toString('utf8')).toBe('new\n');
      expect(committed.has('doomed.txt')).toBe(false);
      expect(committed.get('README.md')?.toString('utf8')).toBe('# fixture\n');
      expect(committed.size).toBe((await treeOfCommit(source, secondCommit)).size + 1 - 1);
      const worktrees = await runGitCli(repo.dir, ['worktree', 'list', '--porcelain']);
      expect(worktrees).not.toContain(dir);
    });

    it('reads a commit through openCommit without a working copy, unaffected by copies of it', async () => {
      const repo = await cloneSource();
      const view = await backend.openCommit({ repo, commit: firstCommit });
      expect(view.revision).toBe(firstCommit);
      const expected = await treeOfCommit(source, firstCommit);
      const names = [...expected.keys()].sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
      expect(await view.listFiles()).toEqual(names);
      for (const [file, content] of expected) {
        expect(await view.readFile(file), file).toBe(content.toString('utf8'));
      }
      expect(await view.readFile('missing.txt')).toBeNull();
      expect(await view.readFile('src')).toBeNull();
      if (factory.listsSizes === true) expect(view.listSizes).toBeDefined();
      if (view.listSizes !== undefined) {
        // Optional; when offered, every listed file with its size in bytes, in listing order.
        expect(await view.listSizes()).toEqual(
          names.map((file) => ({ path: file, bytes: expected.get(file)!.length })),
        );
      }
      expect((await backend.openCommit({ repo, commit: 'v1' })).revision).toBe(firstCommit);
      await expectRejectsWith(() => backend.openCommit({ repo, commit: 'no-such-ref' }), 'not_found');

      const workspace = await backend.createWorkingCopy({
        repo,
        baseRef: firstCommit,
        branch: 'view-check',
        dir: path.join(testDirectory, 'copy'),
      });
      await workspace.writeFiles([{ path: 'src/util.ts', content: 'changed\n' }]);
      await backend.commit({ workspace, message: 'change', author: { name: 'A', email: 'a@example.test' } });
      expect(await view.readFile('src/util.ts')).toBe('export const one = 1;\n');
      await backend.removeWorkingCopy({ workspace });
    });

    it('diffs and commits the same when told which paths changed', async () => {
      const repo = await cloneSource();
      const changes = [
        { path: 'src/util.ts', content: 'export const changed = true;\n' },
        { path: 'added/deep/file.txt', content: 'new\n' },
        { path: 'doomed.txt', content: null },
        { path: 'old-name.txt', content: null },
        { path: 'moved/new-name.txt', content: 'content that moves\nacross a rename\n' },
        { path: 'ignored.log', content: 'ignored\n' },
      ];
      const paths = [...changes.map((change) => change.path), 'never-written.txt'];
      const author = { name: 'Run Author', email: 'run@example.test' };
      // After the first commit the copy's index is no longer the base: told only of these, a
      // diff against the base must still show the first commit's changes.
      const second = [
        { path: 'src/util.ts', content: 'export const changed = 2;\n' },
        { path: 'moved/new-name.txt', content: null },
        { path: 'moved/again.txt', content: 'content that moves\nacross a rename\n' },
        { path: 'later.txt', content: 'later\n' },
      ];
      const results: Array<{ diff: string; tree: string; again: string; since: string }> = [];
      for (const [index, told] of [undefined, paths].entries()) {
        const workspace = await backend.createWorkingCopy({
          repo,
          baseRef: firstCommit,
          branch: `told-${index}`,
          dir: path.join(testDirectory, `copy-${index}`),
        });
        await workspace.writeFiles(changes);
        const options = told === undefined ? {} : { paths: told };
        const diff = await backend.diff({ workspace, base: firstCommit, ...options });
        const commit = await backend.commit({ workspace, message: 'Apply', author, ...options });
        const tree = (await runGitCli(repo.dir, ['rev-parse', `${commit}^{tree}`])).trim();
        // After the commit the copy is clean, whichever way the commit looked at it.
        const again = await backend.diff({ workspace, base: commit });
        await workspace.writeFiles(second);
        const secondPaths = told === undefined ? {} : { paths: second.map((change) => change.path) };
        const since = await backend.diff({ workspace, base: firstCommit, ...secondPaths });
        results.push({ diff, tree, again, since });
        await backend.removeWorkingCopy({ workspace });
      }
      expect(results[0]!.diff).toContain('rename from old-name.txt');
      expect(results[1]).toEqual(results[0]);
      expect(results[1]!.again).toBe('');
      for (const shown of [
        'rename to moved/again.txt',
        '+export const changed = 2;',
        'added/deep/file.txt',
        'later.txt',
      ])
        expect(results[0]!.since).toContain(shown);
      expect(results[0]!.since).not.toContain('moved/new-name.txt');
      await runGitCli(repo.dir, ['fsck', '--no-dangling']);
    });

    it('deletes a branch only when no working copy has it, so that a run can start over', async () => {
      const repo = await cloneSource();
      const dir = path.join(testDirectory, 'doomed-copy');
      const workspace = await backend.createWorkingCopy({
        repo,
        baseRef: 'main',
        branch: 'goosuke/run-9',
        dir,
      });
      await expect(backend.deleteBranch({ repo, branch: 'goosuke/run-9' })).rejects.toMatchObject({
        code: 'conflict',
      });
      await backend.removeWorkingCopy({ workspace });
      expect(await backend.deleteBranch({ repo, branch: 'goosuke/run-9' })).toBe(true);
      expect(await backend.deleteBranch({ repo, branch: 'goosuke/run-9' })).toBe(false);
      await expect(backend.resolveRef({ repo, ref: 'goosuke/run-9' })).rejects.toMatchObject({
        code: 'not_found',
      });
      expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(secondCommit);
      const again = await backend.createWorkingCopy({ repo, baseRef: 'main', branch: 'goosuke/run-9', dir });
      expect(await backend.diff({ workspace: again, base: secondCommit })).toBe('');
      await backend.removeWorkingCopy({ workspace: again });
    });

    it('runs 4 working copies of one clone created and committed in parallel', async () => {
      const repo = await cloneSource();
      const indexes = [0, 1, 2, 3];
      const copies = await Promise.all(
        indexes.map((index) =>
          backend.createWorkingCopy({
            repo,
            baseRef: 'main',
            branch: `parallel-${index}`,
            dir: path.join(testDirectory, `copy-${index}`),
          }),
        ),
      );
      const commits = await Promise.all(
        copies.map(async (workspace, index) => {
          await workspace.writeFiles([{ path: `parallel-${index}.txt`, content: `copy ${index}\n` }]);
          return backend.commit({
            workspace,
            message: `parallel ${index}`,
            author: { name: 'P', email: 'p@example.test' },
          });
        }),
      );
      expect(new Set(commits).size).toBe(4);
      for (const index of indexes) {
        expect(await backend.resolveRef({ repo, ref: `parallel-${index}` })).toBe(commits[index]);
        const files = await treeOfCommit(repo.dir, commits[index]!);
        expect(files.get(`parallel-${index}.txt`)?.toString('utf8')).toBe(`copy ${index}\n`);
        expect([...files.keys()].filter((file) => file.startsWith('parallel-'))).toEqual([
          `parallel-${index}.txt`,
        ]);
      }
      await Promise.all(copies.map((workspace) => backend.removeWorkingCopy({ workspace })));
    });

    const author = { name: 'Merge Author', email: 'merge@example.test' };

    /** Commits `files` on top of `baseRef` through a throwaway working copy (by `by`); returns the commit. */
    const commitOnTop = async (
      repo: RepoCheckout,
      baseRef: string,
      label: string,
      files: Record<string, string | null>,
      by: GitAuthor = author,
    ): Promise<string> => {
      const workspace = await backend.createWorkingCopy({
        repo,
        baseRef,
        branch: `scratch/${label}`,
        dir: path.join(testDirectory, `scratch-${label}`),
      });
      await workspace.writeFiles(Object.entries(files).map(([file, content]) => ({ path: file, content })));
      const commit = await backend.commit({ workspace, message: label, author: by });
      await backend.removeWorkingCopy({ workspace });
      return commit;
    };

    /** The commit a branch of the clone names, through the git CLI. */
    const cliHead = async (repository: string, branch: string): Promise<string> =>
      (await runGitCli(repository, ['rev-parse', '--verify', `refs/heads/${branch}`])).trim();

    const cliIsAncestor = async (repository: string, ancestor: string, commit: string): Promise<boolean> =>
      runGitCli(repository, ['merge-base', '--is-ancestor', ancestor, commit]).then(
        () => true,
        () => false,
      );

    it('sets a branch: creates it, fast-forwards it, refuses other moves unless forced', async () => {
      const repo = await cloneSource();
      const diverged = await commitOnTop(repo, firstCommit, 'diverged', { 'side.txt': 'side\n' });

      await backend.setBranch({ repo, branch: 'goosuke/task-1', commit: firstCommit });
      expect(await cliHead(repo.dir, 'goosuke/task-1')).toBe(firstCommit);
      expect(await backend.resolveRef({ repo, ref: 'goosuke/task-1' })).toBe(firstCommit);
      await backend.setBranch({ repo, branch: 'goosuke/task-1', commit: secondCommit });
      expect(await cliHead(repo.dir, 'goosuke/task-1')).toBe(secondCommit);
      // Setting it to where it is changes nothing and is no conflict.
      await backend.setBranch({ repo, branch: 'goosuke/task-1', commit: secondCommit });

      for (const backwards of [firstCommit, diverged]) {
        expectGoosukeError(
          await rejectionOf(() => backend.setBranch({ repo, branch: 'goosuke/task-1', commit: backwards })),
          'conflict',
        );
        expect(await cliHead(repo.dir, 'goosuke/task-1')).toBe(secondCommit);
      }
      await backend.setBranch({ repo, branch: 'goosuke/task-1', commit: diverged, force: true });
      expect(await cliHead(repo.dir, 'goosuke/task-1')).toBe(diverged);

      await expectRejectsWith(
        () => backend.setBranch({ repo, branch: 'goosuke/task-1', commit: 'f'.repeat(40) }),
        'not_found',
      );
      await expectRejectsWith(
        () => backend.setBranch({ repo, branch: 'goosuke/task-2', commit: 'nope' }),
        'not_found',
      );
      await expect(backend.resolveRef({ repo, ref: 'goosuke/task-2' })).rejects.toMatchObject({
        code: 'not_found',
      });
      for (const bad of ['bad..name', 'with space', '-dash', 'ends/', 'x.lock', '']) {
        await expectRejectsWith(
          () => backend.setBranch({ repo, branch: bad, commit: secondCommit }),
          'invalid_input',
        );
      }
      expect(await cliHead(repo.dir, 'goosuke/task-1')).toBe(diverged);
    });

    it('refuses to set a branch that a working copy has checked out', async () => {
      const repo = await cloneSource();
      const workspace = await backend.createWorkingCopy({
        repo,
        baseRef: firstCommit,
        branch: 'goosuke/busy',
        dir: path.join(testDirectory, 'busy'),
      });
      await expectRejectsWith(
        () => backend.setBranch({ repo, branch: 'goosuke/busy', commit: secondCommit }),
        'conflict',
      );
      await expectRejectsWith(
        () => backend.setBranch({ repo, branch: 'goosuke/busy', commit: secondCommit, force: true }),
        'conflict',
      );
      expect(await cliHead(repo.dir, 'goosuke/busy')).toBe(firstCommit);
      await backend.removeWorkingCopy({ workspace });
      await backend.setBranch({ repo, branch: 'goosuke/busy', commit: secondCommit });
      expect(await cliHead(repo.dir, 'goosuke/busy')).toBe(secondCommit);
    });

    it('tells whether one commit is an ancestor of another', async () => {
      const repo = await cloneSource();
      const diverged = await commitOnTop(repo, firstCommit, 'ancestry', { 'side.txt': 'side\n' });
      expect(await backend.isAncestor({ repo, ancestor: firstCommit, commit: secondCommit })).toBe(true);
      expect(await backend.isAncestor({ repo, ancestor: secondCommit, commit: firstCommit })).toBe(false);
      expect(await backend.isAncestor({ repo, ancestor: secondCommit, commit: secondCommit })).toBe(true);
      expect(await backend.isAncestor({ repo, ancestor: firstCommit, commit: diverged })).toBe(true);
      expect(await backend.isAncestor({ repo, ancestor: diverged, commit: secondCommit })).toBe(false);
      expect(await backend.isAncestor({ repo, ancestor: secondCommit, commit: diverged })).toBe(false);
      for (const [ancestor, commit] of [
        [secondCommit, diverged],
        [diverged, secondCommit],
        [firstCommit, secondCommit],
      ] as const) {
        expect(await backend.isAncestor({ repo, ancestor, commit })).toBe(
          await cliIsAncestor(repo.dir, ancestor, commit),
        );
      }
      await expectRejectsWith(
        () => backend.isAncestor({ repo, ancestor: 'f'.repeat(40), commit: secondCommit }),
        'not_found',
      );
      await expectRejectsWith(
        () => backend.isAncestor({ repo, ancestor: firstCommit, commit: 'e'.repeat(40) }),
        'not_found',
      );
    });

    it('merges into a branch: fast-forward, already merged, and nothing for a missing branch', async () => {
      const repo = await cloneSource();
      await backend.setBranch({ repo, branch: 'goosuke/task-ff', commit: firstCommit });
      const message = 'Merge main into goosuke/task-ff';
      expect(
        await backend.mergeIntoBranch({
          repo,
          branch: 'goosuke/task-ff',
          theirs: secondCommit,
          message,
          author,
        }),
      ).toBe(secondCommit);
      expect(await cliHead(repo.dir, 'goosuke/task-ff')).toBe(secondCommit);
      // Already in the branch: no commit, the branch stays.
      for (const theirs of [firstCommit, secondCommit]) {
        expect(
          await backend.mergeIntoBranch({ repo, branch: 'goosuke/task-ff', theirs, message, author }),
        ).toBe(secondCommit);
        expect(await cliHead(repo.dir, 'goosuke/task-ff')).toBe(secondCommit);
      }
      await expectRejectsWith(
        () =>
          backend.mergeIntoBranch({ repo, branch: 'goosuke/missing', theirs: secondCommit, message, author }),
        'not_found',
      );
      await expectRejectsWith(
        () =>
          backend.mergeIntoBranch({
            repo,
            branch: 'goosuke/task-ff',
            theirs: 'd'.repeat(40),
            message,
            author,
          }),
        'not_found',
      );
    });

    it('merges diverged histories into a merge commit with both changes, leaving working copies alone', async () => {
      const repo = await cloneSource();
      // Ours: the task's work on the first commit; theirs: the base branch's second commit.
      const ours = await commitOnTop(repo, firstCommit, 'ours', {
        'README.md': '# fixture, from the task\n',
        'task.txt': 'task\n',
        'doomed.txt': null,
      });
      await backend.setBranch({ repo, branch: 'goosuke/task-merge', commit: ours });
      const bystander = await backend.createWorkingCopy({
        repo,
        baseRef: firstCommit,
        branch: 'goosuke/bystander',
        dir: path.join(testDirectory, 'bystander'),
      });
      const before = sortedEntries(await treeOfDirectory(bystander.root));

      const merged = await backend.mergeIntoBranch({
        repo,
        branch: 'goosuke/task-merge',
        theirs: secondCommit,
        message: 'Merge main into the task',
        author,
      });
      expect(merged).not.toBe(ours);
      expect(merged).not.toBe(secondCommit);
      expect(await cliHead(repo.dir, 'goosuke/task-merge')).toBe(merged);
      const parents = (await runGitCli(repo.dir, ['rev-list', '--parents', '-n1', merged])).trim().split(' ');
      expect(parents).toEqual([merged, ours, secondCommit]);
      expect(await cliIsAncestor(repo.dir, ours, merged)).toBe(true);
      expect(await cliIsAncestor(repo.dir, secondCommit, merged)).toBe(true);
      const files = await treeOfCommit(repo.dir, merged);
      expect(files.get('README.md')?.toString('utf8')).toBe('# fixture, from the task\n');
      expect(files.get('task.txt')?.toString('utf8')).toBe('task\n');
      expect(files.has('doomed.txt')).toBe(false);
      expect(files.get('src/util.ts')?.toString('utf8')).toBe(
        'export const one = 1;\nexport const two = 2;\n',
      );
      expect(files.get('data/blob.bin')).toEqual(binaryBefore);
      const summary = (await runGitCli(repo.dir, ['log', '-1', '--format=%an|%ae|%s', merged])).trim();
      expect(summary).toBe('Merge Author|merge@example.test|Merge main into the task');
      expect(await backend.isAncestor({ repo, ancestor: secondCommit, commit: merged })).toBe(true);

      expect(sortedEntries(await treeOfDirectory(bystander.root))).toEqual(before);
      expect(await backend.diff({ workspace: bystander, base: firstCommit })).toBe('');
      await backend.removeWorkingCopy({ workspace: bystander });
      await runGitCli(repo.dir, ['fsck', '--no-dangling']);
    });

    it('reports a conflicting merge with every conflicting path and leaves the branch unchanged', async () => {
      const repo = await cloneSource();
      const base = await commitOnTop(repo, secondCommit, 'conflict-base', { 'notes.txt': 'a\nb\nc\n' });
      const theirs = await commitOnTop(repo, base, 'conflict-theirs', {
        'src/util.ts': 'export const one = 1;\nexport const two = 22;\n',
        'notes.txt': 'a\nB from theirs\nc\n',
        'theirs-only.txt': 'theirs\n',
      });
      const ours = await commitOnTop(repo, base, 'conflict-ours', {
        'src/util.ts': 'export const one = 1;\nexport const two = 2000;\n',
        'notes.txt': 'a\nB from ours\nc\n',
        'ours-only.txt': 'ours\n',
      });
      await backend.setBranch({ repo, branch: 'goosuke/task-conflict', commit: ours });
      const error = await rejectionOf(() =>
        backend.mergeIntoBranch({ repo, branch: 'goosuke/task-conflict', theirs, message: 'merge', author }),
      );
      expectGoosukeError(error, 'conflict');
      expect(error.message).toContain('src/util.ts');
      expect(error.message).toContain('notes.txt');
      expect(error.message).not.toContain('ours-only.txt');
      expect(error.message).not.toContain('theirs-only.txt');
      expect(await cliHead(repo.dir, 'goosuke/task-conflict')).toBe(ours);
      expect(await backend.resolveRef({ repo, ref: 'goosuke/task-conflict' })).toBe(ours);
      // Nothing half-done stays behind: the clone's refs and object store are consistent.
      await runGitCli(repo.dir, ['fsck', '--no-dangling']);
    });

    const committer = { name: 'Rebase Committer', email: 'rebaser@example.test' };

    /**
     * What a rebase must not leave behind or change besides its branch: the clone's ref names,
     * its git directory's entries (and those of `.git/goosuke`, where a backend may keep scratch
     * state), its HEAD and its index.
     */
    const cloneState = async (repo: RepoCheckout) => {
      const { readdir } = await import('node:fs/promises');
      const gitdir = path.join(repo.dir, '.git');
      const names = async (directory: string) =>
        (await readdir(directory).catch(() => [] as string[])).sort();
      return {
        refs: (await runGitCli(repo.dir, ['for-each-ref', '--format=%(refname)']))
          .split('\n')
          .filter(Boolean)
          .sort(),
        gitdir: await names(gitdir),
        goosuke: await names(path.join(gitdir, 'goosuke')),
        head: await readFile(path.join(gitdir, 'HEAD'), 'utf8').catch(() => null),
        index: await readFile(path.join(gitdir, 'index'))
          .then((bytes) => bytes.toString('base64'))
          .catch(() => null),
      };
    };

    /** `<subject>|<author name>|<author email>|<author time>|<committer name>|<committer email>` of a commit. */
    const cliSummary = async (repository: string, commit: string): Promise<string> =>
      (await runGitCli(repository, ['log', '-1', '--format=%s|%an|%ae|%at|%cn|%ce', commit])).trim();

    it('rebases a branch: its own commits replayed onto the moved base, linear, authors and messages kept', async () => {
      const repo = await cloneSource();
      const alice = { name: 'Alice Task', email: 'alice@example.test' };
      const bob = { name: 'Bob Task', email: 'bob@example.test' };
      // The task branched at the first commit; main has moved on to the second since.
      const taskOne = await commitOnTop(
        repo,
        firstCommit,
        'task-one',
        { 'README.md': '# fixture, from the task\n', 'task.txt': 'task\n', 'doomed.txt': null },
        alice,
      );
      const taskTwo = await commitOnTop(
        repo,
        taskOne,
        'task-two',
        { 'task.txt': 'task, refined\n', 'src/extra.ts': 'export const extra = 3;\n' },
        bob,
      );
      const branch = 'goosuke/task-rebase';
      await backend.setBranch({ repo, branch, commit: taskTwo });
      const before = await cloneState(repo);

      const rebased = await backend.rebaseBranch({ repo, branch, onto: 'main', committer });
      expect(await cliHead(repo.dir, branch)).toBe(rebased);
      expect(await backend.resolveRef({ repo, ref: branch })).toBe(rebased);
      const lines = (await runGitCli(repo.dir, ['rev-list', '--parents', rebased, `^${secondCommit}`]))
        .trim()
        .split('\n')
        .map((line) => line.split(' '));
      expect(lines).toHaveLength(2);
      const [second, first] = lines as [string[], string[]];
      expect(second).toEqual([rebased, first[0]]);
      expect(first).toEqual([first[0], secondCommit]);
      expect(await cliSummary(repo.dir, first[0]!)).toBe(
        `task-one|${alice.name}|${alice.email}|${(await cliSummary(repo.dir, taskOne)).split('|')[3]}|${committer.name}|${committer.email}`,
      );
      expect(await cliSummary(repo.dir, rebased)).toBe(
        `task-two|${bob.name}|${bob.email}|${(await cliSummary(repo.dir, taskTwo)).split('|')[3]}|${committer.name}|${committer.email}`,
      );
      const files = await treeOfCommit(repo.dir, rebased);
      expect(files.get('README.md')?.toString('utf8')).toBe('# fixture, from the task\n');
      expect(files.get('task.txt')?.toString('utf8')).toBe('task, refined\n');
      expect(files.get('src/extra.ts')?.toString('utf8')).toBe('export const extra = 3;\n');
      expect(files.has('doomed.txt')).toBe(false);
      // The base's own change is there.
      expect(files.get('src/util.ts')?.toString('utf8')).toBe(
        'export const one = 1;\nexport const two = 2;\n',
      );
      expect(files.get('data/blob.bin')).toEqual(binaryBefore);
      const afterFirst = await treeOfCommit(repo.dir, first[0]!);
      expect(afterFirst.get('task.txt')?.toString('utf8')).toBe('task\n');
      expect(afterFirst.has('src/extra.ts')).toBe(false);
      expect(await cliIsAncestor(repo.dir, secondCommit, rebased)).toBe(true);
      expect(await cliIsAncestor(repo.dir, taskOne, rebased)).toBe(false);
      expect(await backend.resolveRef({ repo, ref: 'main' })).toBe(secondCommit);
      expect(await cloneState(repo)).toEqual(before);
      await runGitCli(repo.dir, ['fsck', '--no-dangling']);

      // Rebasing again onto the same base: the branch already contains it.
      expect(await backend.rebaseBranch({ repo, branch, onto: secondCommit, committer })).toBe(rebased);
      expect(await cliHead(repo.dir, branch)).toBe(rebased);
    });

    it('rebases nothing when there is nothing to replay: contains the base already, or moves to it', async () => {
      const repo = await cloneSource();
      // On the base itself, and ahead of an older base: unchanged.
      await backend.setBranch({ repo, branch: 'goosuke/task-level', commit: secondCommit });
      for (const onto of ['main', firstCommit, 'v1']) {
        expect(await backend.rebaseBranch({ repo, branch: 'goosuke/task-level', onto, committer })).toBe(
          secondCommit,
        );
        expect(await cliHead(repo.dir, 'goosuke/task-level')).toBe(secondCommit);
      }
      // Behind the base with no commits of its own: moved to the base.
      await backend.setBranch({ repo, branch: 'goosuke/task-behind', commit: firstCommit });
      const before = await cloneState(repo);
      expect(
        await backend.rebaseBranch({ repo, branch: 'goosuke/task-behind', onto: 'main', committer }),
      ).toBe(secondCommit);
      expect(await cliHead(repo.dir, 'goosuke/task-behind')).toBe(secondCommit);
      expect(await cloneState(repo)).toEqual(before);
    });

    it('rebases into a conflict: reports the commit that does not apply, naming it and the path, and leaves the branch and the clone as they were', async () => {
      const repo = await cloneSource();
      const base = await commitOnTop(repo, secondCommit, 'rebase-base', { 'notes.txt': 'a\nb\nc\n' });
      const moved = await commitOnTop(repo, base, 'rebase-moved', {
        'notes.txt': 'a\nB from the base\nc\n',
        'base-only.txt': 'base\n',
      });
      const clean = await commitOnTop(repo, base, 'rebase-clean', { 'task-only.txt': 'task\n' });
      const clashing = await commitOnTop(repo, clean, 'rebase-clashing', {
        'notes.txt': 'a\nB from the task\nc\n',
      });
      const branch = 'goosuke/task-rebase-conflict';
      await backend.setBranch({ repo, branch, commit: clashing });
      const before = await cloneState(repo);

      const error = await rejectionOf(() => backend.rebaseBranch({ repo, branch, onto: moved, committer }));
      expectGoosukeError(error, 'conflict');
      expect(error.message).toContain(clashing);
      expect(error.message).toContain('notes.txt');
      expect(error.message).not.toContain('task-only.txt');
      expect(error.message).not.toContain('base-only.txt');
      expect(await cliHead(repo.dir, branch)).toBe(clashing);
      expect(await cloneState(repo)).toEqual(before);
      await runGitCli(repo.dir, ['fsck', '--no-dangling']);
    });

    it('refuses to rebase a merge commit, a branch checked out, unknown branches and commits, and bad names', async () => {
      const repo = await cloneSource();
      const ours = await commitOnTop(repo, firstCommit, 'rebase-merge-ours', { 'ours.txt': 'ours\n' });
      const theirs = await commitOnTop(repo, firstCommit, 'rebase-merge-theirs', {
        'theirs.txt': 'theirs\n',
      });
      const merging = 'goosuke/task-rebase-merge';
      await backend.setBranch({ repo, branch: merging, commit: ours });
      const merge = await backend.mergeIntoBranch({
        repo,
        branch: merging,
        theirs,
        message: 'merge',
        author,
      });
      const atop = await commitOnTop(repo, merge, 'rebase-after-merge', { 'later.txt': 'later\n' });
      await backend.setBranch({ repo, branch: merging, commit: atop });
      const before = await cloneState(repo);
      const error = await rejectionOf(() =>
        backend.rebaseBranch({ repo, branch: merging, onto: secondCommit, committer }),
      );
      expectGoosukeError(error, 'conflict');
      expect(error.message).toContain(merge);
      expect(await cliHead(repo.dir, merging)).toBe(atop);
      expect(await cloneState(repo)).toEqual(before);

      const busy = 'goosuke/task-rebase-busy';
      const diverged = await commitOnTop(repo, firstCommit, 'rebase-busy', { 'busy.txt': 'busy\n' });
      const workspace = await backend.createWorkingCopy({
        repo,
        baseRef: diverged,
        branch: busy,
        dir: path.join(testDirectory, 'busy'),
      });
      await expectRejectsWith(
        () => backend.rebaseBranch({ repo, branch: busy, onto: 'main', committer }),
        'conflict',
      );
      expect(await cliHead(repo.dir, busy)).toBe(diverged);
      await backend.removeWorkingCopy({ workspace });
      const rebased = await backend.rebaseBranch({ repo, branch: busy, onto: 'main', committer });
      expect((await runGitCli(repo.dir, ['rev-list', '--parents', '-n1', rebased])).trim()).toBe(
        `${rebased} ${secondCommit}`,
      );

      await expectRejectsWith(
        () => backend.rebaseBranch({ repo, branch: 'goosuke/never-set', onto: 'main', committer }),
        'not_found',
      );
      await expectRejectsWith(
        () => backend.rebaseBranch({ repo, branch: busy, onto: 'c'.repeat(40), committer }),
        'not_found',
      );
      await expectRejectsWith(
        () => backend.rebaseBranch({ repo, branch: busy, onto: 'no-such-ref', committer }),
        'not_found',
      );
      for (const bad of ['bad..name', 'with space', '-dash']) {
        await expectRejectsWith(
          () => backend.rebaseBranch({ repo, branch: bad, onto: 'main', committer }),
          'invalid_input',
        );
      }
      expect(await cliHead(repo.dir, busy)).toBe(rebased);
    });

    it('pushes a branch to origin, fast-forwards it, refuses a non-fast-forward unless forced', async () => {
      const directory = await fresh();
      // An origin of its own, so that pushes leave the shared source alone.
      const origin = path.join(directory, 'origin');
      await runGitCli(scratch, ['clone', '-q', source, origin]);
      const url = factory.makeRemote ? await factory.makeRemote(origin) : origin;
      const repo = await backend.clone({ url, dir: path.join(directory, 'clone') });
      const branch = 'goosuke/pr-1';

      await backend.setBranch({ repo, branch, commit: firstCommit });
      await backend.pushBranch({ repo, branch });
      expect(await cliHead(origin, branch)).toBe(firstCommit);
      expect(await backend.resolveRef({ repo, ref: `origin/${branch}` })).toBe(firstCommit);

      const followUp = await commitOnTop(repo, secondCommit, 'follow-up', { 'follow-up.txt': 'more\n' });
      await backend.setBranch({ repo, branch, commit: followUp });
      await backend.pushBranch({ repo, branch });
      expect(await cliHead(origin, branch)).toBe(followUp);
      expect(await backend.resolveRef({ repo, ref: `origin/${branch}` })).toBe(followUp);
      expect(await treeOfCommit(origin, followUp)).toEqual(await treeOfCommit(repo.dir, followUp));

      // Someone else moves the remote branch; the clone does not know their commit.
      const tree = (await runGitCli(origin, ['rev-parse', `${followUp}^{tree}`])).trim();
      const elsewhere = (
        await runGitCli(origin, ['commit-tree', tree, '-p', followUp, '-m', 'elsewhere'])
      ).trim();
      await runGitCli(origin, ['update-ref', `refs/heads/${branch}`, elsewhere]);
      const rewritten = await commitOnTop(repo, secondCommit, 'rewritten', {
        'follow-up.txt': 'rewritten\n',
      });
      await backend.setBranch({ repo, branch, commit: rewritten, force: true });
      await expectRejectsWith(() => backend.pushBranch({ repo, branch }), 'conflict');
      expect(await cliHead(origin, branch)).toBe(elsewhere);
      expect(await backend.resolveRef({ repo, ref: `origin/${branch}` })).toBe(followUp);

      await backend.pushBranch({ repo, branch, force: true });
      expect(await cliHead(origin, branch)).toBe(rewritten);
      expect(await backend.resolveRef({ repo, ref: `origin/${branch}` })).toBe(rewritten);
      await runGitCli(origin, ['fsck', '--no-dangling']);

      await expectRejectsWith(() => backend.pushBranch({ repo, branch: 'goosuke/never-set' }), 'not_found');
      await expectRejectsWith(() => backend.pushBranch({ repo, branch: 'bad..name' }), 'invalid_input');
    });
  });
}
