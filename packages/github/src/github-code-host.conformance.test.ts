import { generateKeyPairSync } from 'node:crypto';
import type { CodeHostConformanceFactory } from '@goosuke/core/testing';
import { describeCodeHostConformance } from '@goosuke/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { createGitHubCodeHost } from './github-code-host.ts';
import type { GitHubCodeHostOptions } from './github-code-host-options.ts';
import { type FakeGitHubServer, startFakeGitHubServer } from './testing/index.ts';

const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
const privateKey = keys.privateKey.export({ type: 'pkcs1', format: 'pem' }).toString();
const appId = 4242;
const installationId = 77;

let server: FakeGitHubServer;
let counter = 0;

beforeAll(async () => {
  server = await startFakeGitHubServer({
    basePath: '/api/v3',
    tokens: ['ghp_conformance'],
    app: { appId, publicKey: keys.publicKey, installationId },
  });
});

afterAll(async () => {
  await server.close();
});

function factoryFor(auth: () => Pick<GitHubCodeHostOptions, 'token' | 'app'>): CodeHostConformanceFactory {
  return {
    async create() {
      const repository = `octo-org/conformance-${++counter}`;
      server.addRepository({
        fullName: repository,
        defaultBranch: 'main',
        files: { 'README.md': '# test\n' },
      });
      const host = createGitHubCodeHost({
        ...(auth() as GitHubCodeHostOptions),
        baseUrl: server.url,
        perPage: 10,
        retryBaseDelayMs: 1,
      });
      return {
        host,
        repository,
        defaultBranch: 'main',
        async createBranch(name) {
          server.addBranch(repository, name);
        },
        async writeFile(path, content) {
          server.setFile(repository, path, content);
        },
        async createRepository(fullName) {
          server.addRepository({ fullName });
        },
        async mergePullRequest(number) {
          server.mergePullRequest(repository, number);
        },
        delayNextAnswer(ms) {
          server.failNext({ path: /^\/repos\// }, { status: 200, delayMs: ms, passThrough: true });
        },
      };
    },
  };
}

describeCodeHostConformance(
  'GitHub (token) against the fake',
  factoryFor(() => ({ token: 'ghp_conformance' })),
);
describeCodeHostConformance(
  'GitHub (App installation) against the fake',
  factoryFor(() => ({ app: { appId, privateKey, installationId } })),
);
