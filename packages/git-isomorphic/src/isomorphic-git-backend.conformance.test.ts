import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeGitBackendConformance, type GitHttpServer, startGitHttpServer } from '@goosuke/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { createIsomorphicGitBackend } from './isomorphic-git-backend.ts';

describeGitBackendConformance('isomorphic-git, local path', {
  async create() {
    return createIsomorphicGitBackend();
  },
});

describeGitBackendConformance('isomorphic-git, file URL', {
  async create() {
    return createIsomorphicGitBackend();
  },
  async makeRemote(sourceDir) {
    return new URL(`file://${sourceDir}`).toString();
  },
});

// The same suite over real smart HTTP: the source repository is served by `git http-backend`.
let servedRoot = '';
let server: GitHttpServer | undefined;
beforeAll(async () => {
  servedRoot = await mkdtemp(path.join(tmpdir(), 'goosuke-git-served-'));
  server = await startGitHttpServer({ root: servedRoot });
});
afterAll(async () => {
  await server?.close();
  if (servedRoot !== '') await rm(servedRoot, { recursive: true, force: true });
});

describeGitBackendConformance('isomorphic-git, smart HTTP', {
  async create() {
    return createIsomorphicGitBackend();
  },
  async makeRemote(sourceDir) {
    const name = `${path.basename(path.dirname(sourceDir))}.git`;
    await symlink(sourceDir, path.join(servedRoot, name)).catch((error: { code?: string }) => {
      if (error.code !== 'EEXIST') throw error;
    });
    return `${server!.url}/${name}`;
  },
});

describeGitBackendConformance('isomorphic-git, hard-linked checkouts', {
  async create() {
    return createIsomorphicGitBackend({ checkout: 'hardlink' });
  },
});
