import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GitBackend } from '../ports/index.ts';
import { expectRejectsWith } from './conformance-assertions.ts';
import type { GitBackendConformanceFactory } from './git-backend-conformance.ts';
import { makeGitRepository, runGit } from './git-fixtures.ts';

/**
 * The `remoteUrl` cases of the GitBackend conformance suite: checkouts made with the git CLI
 * (as a CI job's `actions/checkout` leaves them, with a token in the URL), a linked worktree
 * whose `.git` is a file, a bare repository, a clone the backend made itself.
 */
export function describeGitBackendRemoteUrlCases(factory: GitBackendConformanceFactory): void {
  describe('remoteUrl', () => {
    let scratch = '';
    let checkout = '';
    let counter = 0;
    const token = 'ghs_conformanceToken0123456789abcdef';

    beforeAll(async () => {
      scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-remote-url-'));
      checkout = path.join(scratch, 'checkout');
      await makeGitRepository(checkout, { 'README.md': '# remote\n' });
      await runGit(checkout, [
        'remote',
        'add',
        'origin',
        `https://x-access-token:${token}@git.example.test/octo/shop.git`,
      ]);
      await runGit(checkout, ['remote', 'add', 'upstream', 'ssh://git@git.example.test/upstream/shop.git']);
      await runGit(checkout, ['remote', 'add', 'mirror', 'git@git.example.test:octo/mirror.git']);
    });

    afterAll(async () => {
      if (scratch !== '') await rm(scratch, { recursive: true, force: true });
    });

    const backendFor = (): Promise<GitBackend> => factory.create();

    it('reads origin without the credentials an https URL carries, and other remotes by name', async () => {
      const backend = await backendFor();
      const origin = await backend.remoteUrl({ dir: checkout });
      expect(origin).toBe('https://git.example.test/octo/shop.git');
      expect(origin).not.toContain(token);
      expect(await backend.remoteUrl({ dir: checkout, remote: 'origin' })).toBe(origin);
      // An ssh user name is no secret; an scp-like address has no password field.
      expect(await backend.remoteUrl({ dir: checkout, remote: 'upstream' })).toBe(
        'ssh://git@git.example.test/upstream/shop.git',
      );
      expect(await backend.remoteUrl({ dir: checkout, remote: 'mirror' })).toBe(
        'git@git.example.test:octo/mirror.git',
      );
    });

    it('is null for a remote the repository does not have', async () => {
      const backend = await backendFor();
      expect(await backend.remoteUrl({ dir: checkout, remote: 'nowhere' })).toBeNull();
      const lonely = path.join(scratch, `lonely-${++counter}`);
      await makeGitRepository(lonely, { 'a.txt': 'a\n' });
      expect(await backend.remoteUrl({ dir: lonely })).toBeNull();
    });

    it("reads a linked worktree's remote from the repository it belongs to", async () => {
      const backend = await backendFor();
      const worktree = path.join(scratch, `worktree-${++counter}`);
      await runGit(checkout, ['worktree', 'add', '-q', '-b', `side-${counter}`, worktree]);
      expect(await backend.remoteUrl({ dir: worktree })).toBe('https://git.example.test/octo/shop.git');
      // A path relative to the working directory names the same checkout.
      expect(await backend.remoteUrl({ dir: path.relative(process.cwd(), worktree) })).toBe(
        'https://git.example.test/octo/shop.git',
      );
    });

    it('reads a bare repository, and a clone the backend made itself', async () => {
      const backend = await backendFor();
      const bare = path.join(scratch, `bare-${++counter}.git`);
      await runGit(scratch, ['clone', '-q', '--bare', checkout, bare]);
      expect(await backend.remoteUrl({ dir: bare })).toBe(checkout);
      const source = factory.makeRemote ? await factory.makeRemote(checkout) : checkout;
      const clone = await backend.clone({ url: source, dir: path.join(scratch, `clone-${counter}`) });
      expect(await backend.remoteUrl({ dir: clone.dir })).toBe(clone.url);
    });

    it('rejects with not_found for a directory that holds no repository', async () => {
      const backend = await backendFor();
      const empty = path.join(scratch, `empty-${++counter}`);
      await mkdir(empty);
      await expectRejectsWith(() => backend.remoteUrl({ dir: empty }), 'not_found');
    });
  });
}
