import { afterEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { GitBackend } from '../ports/git-backend.ts';
import type { CommitFiles, Workspace } from '../ports/workspace.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  createMemoryJobQueue,
  createMemoryStore,
  createMemoryWorkspace,
  createScriptedLanguageModel,
  type ScriptedReply,
} from '../testing/index.ts';

// The first run on a fresh clone: its context is chosen from the base commit's listing and the
// few files it shows, its model call starts while the working copy is still being made, and the
// copy is awaited only to apply the model's edits.

const commitId = 'a'.repeat(40);
const cart = 'export function cartTotal(items: number[]) {\n  return items.length;\n}\n';
const files: Record<string, string> = { 'src/cart-total.ts': cart, 'README.md': '# shop\n' };
for (let index = 0; index < 40; index++)
  files[`src/other/file-${index}.ts`] = `export const v${index} = 1;\n`;
const reply = `cartTotal now sums the items.

src/cart-total.ts
\`\`\`ts
<<<<<<< SEARCH
  return items.length;
=======
  return items.reduce((sum, each) => sum + each, 0);
>>>>>>> REPLACE
\`\`\``;

/** Resolves or rejects when told to, or rejects with the signal's reason. */
function gate() {
  let open: (error?: Error) => void = () => undefined;
  const opened = new Promise<void>((resolve, reject) => {
    open = (error) => (error === undefined ? resolve() : reject(error));
  });
  opened.catch(() => undefined);
  const wait = (signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
      opened.then(resolve, reject);
    });
  return { open, wait };
}

/**
 * A GitBackend over memory files that records what happens in order, whose working copies are
 * made only once `copyGate` opens. The base commit lists large sizes (as a big repository's),
 * so that its context is chosen from paths and sizes.
 */
function recordingGit() {
  const order: string[] = [];
  const copyGate = gate();
  const commit = createMemoryWorkspace(files);
  const base: CommitFiles = {
    revision: commitId,
    listFiles: () => commit.listFiles(),
    readFile: async (path) => {
      order.push(`read ${path}`);
      return commit.readFile(path);
    },
    listSizes: async () =>
      (await commit.listFiles()).map((path) => ({
        path,
        bytes: path === 'src/cart-total.ts' ? 70 : 100_000,
      })),
  };
  let copy: Workspace | null = null;
  const git: GitBackend = {
    clone: async ({ url, dir }) => {
      order.push('clone');
      return { url, dir };
    },
    resolveRef: async () => commitId,
    remoteUrl: async () => null,
    listBranches: async () => ['main', 'origin/main'],
    listTags: async () => [],
    isAncestor: async () => true,
    openCommit: async () => base,
    createWorkingCopy: async ({ dir, signal }) => {
      order.push('copy started');
      await copyGate.wait(signal);
      order.push('copy made');
      copy = createMemoryWorkspace(files, { root: dir });
      return copy;
    },
    diff: async ({ paths }) => {
      order.push(`diff ${paths?.join(',')}`);
      return [
        'diff --git a/src/cart-total.ts b/src/cart-total.ts',
        '--- a/src/cart-total.ts',
        '+++ b/src/cart-total.ts',
        '@@ -1,3 +1,3 @@',
        ' export function cartTotal(items: number[]) {',
        '-  return items.length;',
        '+  return items.reduce((sum, each) => sum + each, 0);',
        ' }',
        '',
      ].join('\n');
    },
    commit: async () => {
      order.push('commit');
      return 'b'.repeat(40);
    },
    removeWorkingCopy: async () => {
      order.push('removed');
    },
    setBranch: () => Promise.reject(new Error('unused')),
    pushBranch: () => Promise.reject(new Error('unused')),
    mergeIntoBranch: () => Promise.reject(new Error('unused')),
    rebaseBranch: () => Promise.reject(new Error('unused')),
    deleteBranch: async () => false,
  };
  return { git, order, copyGate, written: () => copy };
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function compose(git: GitBackend, replies: ScriptedReply[]) {
  const queue = createMemoryJobQueue({ pollIntervalMs: 5 });
  const goosuke: Goosuke = createGoosuke({
    store: createMemoryStore(),
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-run-executor-tests-01' }),
    runtime: {
      queue,
      git,
      languageModels: () => createScriptedLanguageModel({ replies }),
      layout: { cloneDir: () => '/memory/clone', workingCopyDir: (run) => `/memory/copies/${run.id}` },
    },
  });
  const workers = goosuke.runs.startWorkers({ concurrency: 2 });
  closers.push(async () => {
    await workers.stop();
    await goosuke.close();
    await queue.close();
  });
  const repo = await goosuke.repos.create({ url: 'https://github.com/acme/shop.git', defaultBranch: 'main' });
  const { task } = await goosuke.tasks.create({ title: 'shop', repoId: repo.id });
  const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1' });
  const start = async () =>
    (await goosuke.runs.create(task.id, { instruction: 'Make cartTotal sum the items', models: [model.id] }))
      .runs[0]!;
  return { goosuke, start };
}

describe('a repository run', () => {
  it('calls the model before its working copy is made, reading only the files its context shows', async () => {
    const { git, order, copyGate, written } = recordingGit();
    const { goosuke, start } = await compose(git, [
      () => {
        order.push('model called');
        // The copy is made during the model's latency, and only now.
        copyGate.open();
        return reply;
      },
    ]);
    const run = await start();
    const [done] = await goosuke.runs.waitFor([run.id]);
    expect(done).toMatchObject({ status: 'succeeded', workingBranch: `goosuke/run-${run.id}` });
    // The context was chosen from the listing, reading nothing but the file shown (and later
    // edited); the copy started then, and the model was called before it was made.
    expect(order.slice(0, 4)).toEqual(['clone', 'read src/cart-total.ts', 'copy started', 'model called']);
    expect(order.indexOf('model called')).toBeLessThan(order.indexOf('copy made'));
    expect(order.filter((step) => step.startsWith('read ') && step !== 'read src/cart-total.ts')).toEqual([]);
    expect(order.slice(-3)).toEqual(['diff src/cart-total.ts', 'commit', 'removed']);
    expect(await written()!.readFile('src/cart-total.ts')).toContain('reduce');
  });

  it('fails cleanly when the working copy cannot be made after the model answered', async () => {
    const { git, order, copyGate } = recordingGit();
    const { goosuke, start } = await compose(git, [
      () => {
        order.push('model called');
        copyGate.open(new Error('disk full'));
        return reply;
      },
    ]);
    const run = await start();
    const [done] = await goosuke.runs.waitFor([run.id]);
    expect(done!.status).toBe('failed');
    expect(done!.error).toEqual({
      code: 'internal',
      message: `the working copy /memory/copies/${run.id} could not be made`,
    });
    expect(order.slice(0, 4)).toEqual(['clone', 'read src/cart-total.ts', 'copy started', 'model called']);
    // Nothing made, so nothing diffed, committed or removed.
    expect(order.filter((step) => /^(copy made|diff|commit|removed)/.test(step))).toEqual([]);
  });

  it('cancelled while the model works, aborts the model call and the copy being made', async () => {
    const { git, order } = recordingGit();
    let modelSignal: AbortSignal | undefined;
    const { goosuke, start } = await compose(git, [
      (request) => {
        order.push('model called');
        modelSignal = request.signal;
        return new Promise<string>((_, reject) =>
          request.signal?.addEventListener('abort', () => reject(request.signal!.reason), { once: true }),
        );
      },
    ]);
    const run = await start();
    await expect.poll(() => order.includes('model called')).toBe(true);
    await goosuke.runs.cancel(run.id);
    const [done] = await goosuke.runs.waitFor([run.id]);
    expect(done!.status).toBe('canceled');
    expect(modelSignal?.aborted).toBe(true);
    // The copy never completed: nothing was made, so nothing is left to remove.
    expect(order).toEqual(['clone', 'read src/cart-total.ts', 'copy started', 'model called']);
  });
});
