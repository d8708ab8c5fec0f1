import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { afterEach, describe, expect, it } from 'vitest';
import { createSystemGitTransport } from './system-git-transport.ts';

const scratch: string[] = [];
afterEach(async () => {
  for (const dir of scratch.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A source repository with two commits; returns it and their ids. */
async function sourceRepository(): Promise<{ dir: string; first: string; second: string }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'goosuke-snapshot-build-'));
  scratch.push(dir);
  const source = path.join(dir, 'source');
  const git = (...args: string[]) =>
    execFileSync('git', ['-C', source, ...args], {
      encoding: 'utf8',
      env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
    }).trim();
  execFileSync('git', ['init', '-q', '-b', 'main', source]);
  await writeFile(path.join(source, 'a.txt'), 'one\n');
  git('add', '.');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.test', 'commit', '-qm', 'one');
  const first = git('rev-parse', 'HEAD');
  await writeFile(path.join(source, 'b.txt'), 'two\n');
  git('add', '.');
  git('-c', 'user.name=T', '-c', 'user.email=t@example.test', 'commit', '-qm', 'two');
  return { dir, first, second: git('rev-parse', 'HEAD') };
}

describe('hard-linked working copies on the system git', () => {
  it("build a commit's snapshot outside the clone's queue: other work on the clone goes on meanwhile", async () => {
    const { dir, first, second } = await sourceRepository();
    const transport = createSystemGitTransport();
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let building = 0;
    const git = createIsomorphicGitBackend({
      checkout: 'hardlink',
      transport: {
        ...transport,
        // The first snapshot build waits to be released: a slow checkout of a large tree.
        async writeFiles(options) {
          building++;
          if (building === 1) await released;
          return transport.writeFiles!(options);
        },
      },
    });
    const repo = await git.clone({ url: path.join(dir, 'source'), dir: path.join(dir, 'clone') });
    const slow = git.createWorkingCopy({ repo, baseRef: first, branch: 'slow', dir: path.join(dir, 'slow') });
    await expect.poll(() => building).toBe(1);
    // While the first snapshot is being built: the clone answers, and a copy of another commit is made.
    expect(await git.resolveRef({ repo, ref: 'main' })).toBe(second);
    const other = await git.createWorkingCopy({
      repo,
      baseRef: second,
      branch: 'other',
      dir: path.join(dir, 'other'),
    });
    expect(await other.listFiles()).toEqual(['a.txt', 'b.txt']);
    release();
    const copy = await slow;
    expect(await copy.readFile('a.txt')).toBe('one\n');
    expect(await copy.listFiles()).toEqual(['a.txt']);
    // Copies of one tree share one build.
    await git.createWorkingCopy({ repo, baseRef: first, branch: 'again', dir: path.join(dir, 'again') });
    expect(building).toBe(2);
  });
});
