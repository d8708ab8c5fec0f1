// The pipeline's checks before anything is stored or cloned, on the in-memory store and queue.
// Cloning, running, picking and pull requests need real git and a code host: they are covered
// end to end in packages/integration/test/run-pipeline.test.ts.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke, type GoosukeDependencies } from '../create-goosuke.ts';
import { CodeHostUnavailableError, InvalidInputError } from '../errors/index.ts';
import type { CodeHost, CodeHostResolver } from '../ports/code-host.ts';
import type { GitBackend } from '../ports/git-backend.ts';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import { createMemoryJobQueue, createMemoryStore, type MemoryJobQueue } from '../testing/index.ts';

const apiKey = 'sk-test-0123456789abcdefghijklmnopqrstuvwxyz';

/** Git calls the checks make, and what `remoteUrl` answers; any other call fails the test. */
function recordingGit(origin: string | null): { git: GitBackend; calls: string[] } {
  const calls: string[] = [];
  const git = new Proxy({} as GitBackend, {
    get: (_target, property) => {
      if (property === 'then' || typeof property === 'symbol') return undefined;
      return async (options: { dir?: string }) => {
        calls.push(`${String(property)} ${options.dir ?? ''}`.trim());
        if (property === 'remoteUrl') return origin;
        throw new Error(`the checks called git ${String(property)}`);
      };
    },
  });
  return { git, calls };
}

/** A resolver that knows `https://git.example.test/<owner>/<name>.git` (a host whose calls fail the test). */
function exampleHost(): CodeHostResolver {
  const host = new Proxy({} as CodeHost, {
    get: (_target, property) =>
      property === 'then' || typeof property === 'symbol'
        ? undefined
        : () => Promise.reject(new Error(`the checks called the code host's ${String(property)}`)),
  });
  return {
    async resolve(url) {
      const match = /^https:\/\/git\.example\.test\/([^/]+\/[^/]+?)(\.git)?$/.exec(url);
      return match === null ? null : { host, repository: match[1]! };
    },
    async primary() {
      return { host, source: 'environment' };
    },
  };
}

describe('goosuke.pipeline: the checks before anything is stored or cloned', () => {
  let store: Store;
  let queue: MemoryJobQueue;
  let goosuke: Goosuke;
  let gitCalls: string[];
  let modelId: string;

  async function build({
    origin = null,
    ...overrides
  }: Partial<GoosukeDependencies> & { origin?: string | null } = {}) {
    await goosuke?.close();
    store = createMemoryStore();
    const { git, calls } = recordingGit(origin);
    gitCalls = calls;
    goosuke = createGoosuke({
      store,
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-pipeline-tests-0123' }),
      runtime: {
        queue,
        git,
        languageModels: () => {
          throw new Error('no model runs during the checks');
        },
        layout: {
          cloneDir: (repo) => `/nonexistent/clones/${repo.id}`,
          workingCopyDir: (run) => `/nonexistent/worktrees/${run.id}`,
        },
      },
      ...overrides,
    });
    modelId = (await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1', apiKey })).id;
  }

  beforeEach(async () => {
    queue = createMemoryJobQueue();
    await build();
  });

  afterEach(async () => {
    await goosuke.close();
    await queue.close();
  });

  /** Nothing was stored (no repository, task or run) and nothing cloned. */
  async function expectNothingDone(): Promise<void> {
    expect((await store.repos.list({ limit: 10 })).items).toEqual([]);
    expect((await store.tasks.list({ limit: 10 })).items).toEqual([]);
    expect(gitCalls.filter((call) => !call.startsWith('remoteUrl'))).toEqual([]);
  }

  const input = (extra: Record<string, unknown> = {}) => ({
    repo: 'https://git.example.test/octo/shop.git',
    instruction: 'Greet more warmly',
    models: [modelId],
    ...extra,
  });

  it('refuses input that is not a pipeline input, saying where', async () => {
    for (const bad of [
      input({ repo: 'relative/path' }),
      input({ repo: 'https://x-access-token:ghs_secret@git.example.test/octo/shop.git' }),
      input({ instruction: '   ' }),
      input({ models: [] }),
      input({ pullRequest: { branch: 'bad branch' } }),
      input({ extra: true }),
    ]) {
      const error = await goosuke.pipeline.run(bad).catch((caught: unknown) => caught);
      expect(error, JSON.stringify(bad)).toBeInstanceOf(InvalidInputError);
      expect((error as Error).message).toMatch(/^invalid pipeline input/);
      expect((error as Error).message).not.toContain('ghs_secret');
    }
    await expectNothingDone();
  });

  it('names an unknown model profile, and a pick that names none of the models', async () => {
    await expect(goosuke.pipeline.run(input({ models: [modelId, 'model_nope'] }))).rejects.toMatchObject({
      code: 'not_found',
      message: expect.stringContaining('model_nope'),
    });
    const pick = await goosuke.pipeline.run(input({ pick: 'claude-sonnet-4-5' })).catch((error) => error);
    expect(pick).toBeInstanceOf(InvalidInputError);
    expect(pick.message).toBe('pick claude-sonnet-4-5 names none of the models run (gpt-5.1)');
    await expectNothingDone();
  });

  it('refuses a pull request for a repository on no configured code host, before storing anything', async () => {
    // No resolver at all, then one that does not know the URL.
    const none = await goosuke.pipeline.run(input({ pullRequest: true })).catch((error) => error);
    expect(none).toBeInstanceOf(CodeHostUnavailableError);
    expect(none).toMatchObject({ code: 'unsupported', reason: 'none' });
    await build({ codeHosts: exampleHost() });
    const elsewhere = await goosuke.pipeline
      .run(input({ repo: 'https://other.example.test/octo/shop.git', pullRequest: {} }))
      .catch((error) => error);
    expect(elsewhere).toMatchObject({ reason: 'none', repoUrl: 'https://other.example.test/octo/shop.git' });
    expect(elsewhere.message).toContain('is on no configured code host');
    await expectNothingDone();
  });

  it('reports an incomplete code host configuration as such, its own error the cause', async () => {
    const refused = new InvalidInputError('GOOSUKE_GITHUB_APP_PRIVATE_KEY is not set');
    await build({
      codeHosts: {
        resolve: () => Promise.reject(refused),
        primary: () => Promise.reject(refused),
      },
    });
    const error = await goosuke.pipeline.run(input({ pullRequest: true })).catch((caught) => caught);
    expect(error).toBeInstanceOf(CodeHostUnavailableError);
    expect(error).toMatchObject({ reason: 'configuration', cause: refused });
    expect(error.message).toContain('GOOSUKE_GITHUB_APP_PRIVATE_KEY is not set');
    await expect(goosuke.pipeline.codeHostOf('https://git.example.test/octo/shop.git')).rejects.toMatchObject(
      {
        reason: 'configuration',
      },
    );
    await expectNothingDone();
  });

  it('keeps a local checkout whose origin is on no configured code host, and reads only its origin', async () => {
    await build({ codeHosts: exampleHost(), origin: 'https://other.example.test/octo/shop.git' });
    const error = await goosuke.pipeline
      .run(input({ repo: '/work/checkout', pullRequest: true }))
      .catch((caught) => caught);
    // The checkout itself is then the repository, and a path is on no code host.
    expect(error).toMatchObject({ reason: 'none', repoUrl: '/work/checkout' });
    expect(gitCalls).toEqual(['remoteUrl /work/checkout']);
    await expectNothingDone();
  });

  it('tells where pull requests of a repository go', async () => {
    await build({ codeHosts: exampleHost() });
    expect(await goosuke.pipeline.codeHostOf('https://git.example.test/octo/shop.git')).toEqual({
      repository: 'octo/shop',
    });
    await expect(goosuke.pipeline.codeHostOf('/work/checkout')).rejects.toBeInstanceOf(
      CodeHostUnavailableError,
    );
  });

  it('stops before anything when the signal has already aborted', async () => {
    const error = await goosuke.pipeline
      .run(input(), { signal: AbortSignal.abort() })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'canceled' });
    await expectNothingDone();
  });

  it('needs the runtime ports', async () => {
    await build({ runtime: undefined });
    await expect(goosuke.pipeline.run(input())).rejects.toMatchObject({ code: 'unsupported' });
  });
});
