import { mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describeGitBackendConformance, type GitHttpServer, startGitHttpServer } from '@goosuke/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { createSystemGitBackend } from './system-git-backend.ts';

describeGitBackendConformance('system git, local path', {
  async create() {
    return createSystemGitBackend();
  },
  listsSizes: true,
});

describeGitBackendConformance('system git, file URL', {
  async create() {
    return createSystemGitBackend();
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

describeGitBackendConformance('system git, smart HTTP', {
  async create() {
    return createSystemGitBackend();
  },
  async makeRemote(sourceDir) {
    const name = `${path.basename(path.dirname(sourceDir))}.git`;
    await symlink(sourceDir, path.join(servedRoot, name)).catch((error: { code?: string }) => {
      if (error.code !== 'EEXIST') throw error;
    });
    return `${server!.url}/${name}`;
  },
});

describeGitBackendConformance('system git, hard-linked checkouts', {
  async create() {
    return createSystemGitBackend({ checkout: 'hardlink' });
  },
  listsSizes: true,
});
