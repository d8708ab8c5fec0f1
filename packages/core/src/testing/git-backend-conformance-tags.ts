import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GitBackend, RepoCheckout } from '../ports/index.ts';
import type { GitBackendConformanceFactory } from './git-backend-conformance.ts';
import { makeGitRepository, runGit } from './git-fixtures.ts';

/** A source repository whose tags point at commits no branch contains. */
interface TaggedSource {
  dir: string;
  main: string;
  /** On no branch, tagged `light` (lightweight). */
  lightCommit: string;
  /** On no branch, child of `lightCommit`, tagged `release` (annotated). */
  releaseCommit: string;
}

/** Commits `file` on the source's detached HEAD and resolves with the commit id. */
async function commitDetached(dir: string, file: string): Promise<string> {
  await writeFile(path.join(dir, file), `${file}\n`);
  await runGit(dir, ['add', '-A']);
  await runGit(dir, ['commit', '-q', '-m', file]);
  return (await runGit(dir, ['rev-parse', 'HEAD'])).trim();
}

/**
 * The tag cases of the GitBackend conformance suite: `listTags` after a clone and after a fetch,
 * lightweight and annotated tags on commits no branch contains (fetched, resolvable, peeled), and
 * the clone's tags mirroring the remote's (a deleted tag removed, a moved one moved, a new one
 * added).
 */
export function describeGitBackendTagCases(factory: GitBackendConformanceFactory): void {
  describe('tags', () => {
    const scratches: string[] = [];
    let backend: GitBackend;

    afterAll(async () => {
      for (const scratch of scratches) await rm(scratch, { recursive: true, force: true });
    });

    /** A fresh source (its own directory: a served remote is named after the source's parent). */
    const makeSource = async (): Promise<TaggedSource> => {
      const scratch = await mkdtemp(path.join(tmpdir(), 'goosuke-git-tags-'));
      scratches.push(scratch);
      const dir = path.join(scratch, 'source');
      const main = await makeGitRepository(dir, { 'README.md': '# tags\n' });
      await runGit(dir, ['checkout', '-q', '--detach']);
      const lightCommit = await commitDetached(dir, 'light.txt');
      await runGit(dir, ['tag', 'light']);
      const releaseCommit = await commitDetached(dir, 'release.txt');
      await runGit(dir, ['tag', '-a', 'release', '-m', 'a release on no branch']);
      await runGit(dir, ['checkout', '-q', 'main']);
      return { dir, main, lightCommit, releaseCommit };
    };

    const cloneOf = async (source: TaggedSource): Promise<RepoCheckout> => {
      backend = await factory.create();
      const url = factory.makeRemote ? await factory.makeRemote(source.dir) : source.dir;
      return backend.clone({ url, dir: path.join(path.dirname(source.dir), 'clone') });
    };

    it('lists lightweight and annotated tags on commits no branch holds, after a clone', async () => {
      const source = await makeSource();
      const repo = await cloneOf(source);
      expect(await backend.listTags({ repo })).toEqual(['light', 'release']);
      expect(await backend.resolveRef({ repo, ref: 'refs/tags/light' })).toBe(source.lightCommit);
      // Annotated: the tag object is peeled to its commit.
      expect(await backend.resolveRef({ repo, ref: 'refs/tags/release' })).toBe(source.releaseCommit);
      expect(await backend.resolveRef({ repo, ref: source.lightCommit })).toBe(source.lightCommit);
      expect(
        await backend.isAncestor({ repo, ancestor: source.lightCommit, commit: source.releaseCommit }),
      ).toBe(true);
      expect(await backend.isAncestor({ repo, ancestor: source.lightCommit, commit: source.main })).toBe(
        false,
      );
      expect(await backend.listBranches({ repo })).toEqual(['main', 'origin/main']);
    });

    it('mirrors the remote tags on a fetch: new ones added, deleted ones removed, moved ones moved', async () => {
      const source = await makeSource();
      const repo = await cloneOf(source);
      expect(await backend.listTags({ repo })).toEqual(['light', 'release']);

      await runGit(source.dir, ['checkout', '-q', '--detach', source.releaseCommit]);
      const laterCommit = await commitDetached(source.dir, 'later.txt');
      await runGit(source.dir, ['tag', '-a', 'later', '-m', 'later, on no branch']);
      const movedCommit = await commitDetached(source.dir, 'moved.txt');
      await runGit(source.dir, ['tag', 'fresh']);
      await runGit(source.dir, ['tag', '-f', 'light', movedCommit]);
      await runGit(source.dir, ['tag', '-d', 'release']);
      await runGit(source.dir, ['checkout', '-q', 'main']);

      const again = await backend.clone({ url: repo.url, dir: repo.dir });
      expect(await backend.listTags({ repo: again })).toEqual(['fresh', 'later', 'light']);
      expect(await backend.resolveRef({ repo: again, ref: 'refs/tags/later' })).toBe(laterCommit);
      expect(await backend.resolveRef({ repo: again, ref: 'refs/tags/fresh' })).toBe(movedCommit);
      expect(await backend.resolveRef({ repo: again, ref: 'refs/tags/light' })).toBe(movedCommit);
      await expect(backend.resolveRef({ repo: again, ref: 'refs/tags/release' })).rejects.toMatchObject({
        code: 'not_found',
      });
      expect(await backend.isAncestor({ repo: again, ancestor: laterCommit, commit: movedCommit })).toBe(
        true,
      );

      // Nothing else changed on the remote: a deleted tag alone is still seen.
      await runGit(source.dir, ['tag', '-d', 'fresh']);
      await backend.clone({ url: repo.url, dir: repo.dir });
      expect(await backend.listTags({ repo })).toEqual(['later', 'light']);
    });
  });
}
