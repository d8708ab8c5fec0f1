import { mkdir, mkdtemp, readdir, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Workspace } from '@goosuke/core';
import {
  describeWorkspaceConformance,
  makeGitRepository,
  runGit,
  type WorkspaceConformanceLinks,
} from '@goosuke/core/testing';
import { createDirectoryWorkspace } from './directory-workspace.ts';
import { createIsomorphicGitBackend } from './isomorphic-git-backend.ts';

const temporaryDirectories: string[] = [];

async function temporaryDirectory(prefix: string): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), prefix));
  temporaryDirectories.push(directory);
  return directory;
}

async function removeTemporaryDirectories(): Promise<void> {
  for (const directory of temporaryDirectories.splice(0)) {
    await rm(directory, { recursive: true, force: true });
  }
}

async function writeTree(root: string, files: Record<string, string>): Promise<void> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(root, name)), { recursive: true });
    await writeFile(path.join(root, name), content);
  }
}

/** Symbolic links in `root`, and a directory beside it holding `secret.txt` for the escaping ones. */
async function linksFor(root: string): Promise<WorkspaceConformanceLinks> {
  const outside = await temporaryDirectory('goosuke-workspace-outside-');
  await writeFile(path.join(outside, 'secret.txt'), 'secret');
  return {
    linkInside: (link, target) =>
      symlink(
        path.relative(path.dirname(path.join(root, link)), path.join(root, target)),
        path.join(root, link),
      ),
    linkOutsideDirectory: (link) => symlink(outside, path.join(root, link)),
    linkOutsideFile: (link) => symlink(path.join(outside, 'secret.txt'), path.join(root, link)),
    linkBroken: (link) => symlink(path.join(outside, 'not-yet'), path.join(root, link)),
    outsideEntries: async () => (await readdir(outside, { recursive: true })).sort(),
  };
}

describeWorkspaceConformance('directory', {
  async create(files) {
    const root = await temporaryDirectory('goosuke-workspace-');
    await writeTree(root, files);
    return { workspace: createDirectoryWorkspace({ root }), links: await linksFor(root) };
  },
  cleanup: removeTemporaryDirectories,
});

// A git backend's working copy is the directory workspace plus the index shortcuts of the
// backend (reads of unchanged tracked files, listing from the index): the same contract holds.
describeWorkspaceConformance('isomorphic-git working copy', {
  async create(files) {
    const parent = await temporaryDirectory('goosuke-working-copy-');
    const source = path.join(parent, 'source');
    if (Object.keys(files).length === 0) {
      await mkdir(source);
      await runGit(source, ['init', '-q', '-b', 'main']);
      await runGit(source, ['commit', '-q', '--allow-empty', '-m', 'empty']);
    } else {
      await makeGitRepository(source, files);
    }
    const git = createIsomorphicGitBackend();
    const repo = await git.clone({ url: source, dir: path.join(parent, 'clone') });
    const dir = path.join(parent, 'copy');
    const workspace: Workspace = await git.createWorkingCopy({
      repo,
      baseRef: 'main',
      branch: 'conformance',
      dir,
    });
    return { workspace, links: await linksFor(dir) };
  },
  cleanup: removeTemporaryDirectories,
});
