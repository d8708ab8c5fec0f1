import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { RunWorkers } from '../runs/run-runtime.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  createMemoryJobQueue,
  createMemoryStore,
  createScriptedLanguageModel,
  type MemoryJobQueue,
  unusedGitBackend,
  waitUntil,
} from '../testing/index.ts';
import { waitForRunsOrCancel } from './wait-for-runs-or-cancel.ts';

const apiKey = 'sk-test-0123456789abcdefghijklmnopqrstuvwxyz';

describe('waitForRunsOrCancel', () => {
  let queue: MemoryJobQueue;
  let goosuke: Goosuke;
  let workers: RunWorkers | undefined;
  // How long the scripted model takes to answer: long enough for a test to abort mid-run.
  let delayMs = 0;

  beforeEach(async () => {
    queue = createMemoryJobQueue();
    delayMs = 0;
    goosuke = createGoosuke({
      store: createMemoryStore(),
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-wait-tests-0123456789' }),
      runtime: {
        queue,
        git: unusedGitBackend,
        languageModels: () => createScriptedLanguageModel({ replies: ['An answer.'], delayMs }),
        layout: {
          cloneDir: (repo) => `/nonexistent/clones/${repo.id}`,
          workingCopyDir: (run) => `/nonexistent/worktrees/${run.id}`,
        },
      },
    });
  });

  afterEach(async () => {
    await workers?.stop();
    workers = undefined;
    await goosuke.close();
    await queue.close();
  });

  /** Two queued text runs of one message. */
  async function twoRuns(): Promise<string[]> {
    const profile = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1', apiKey });
    const other = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1-mini', apiKey });
    const { task } = await goosuke.tasks.create({ title: 'Two answers' });
    const { runs } = await goosuke.runs.create(task.id, {
      instruction: 'Answer twice.',
      models: [profile.id, other.id],
    });
    return runs.map((run) => run.id);
  }

  it('resolves with the runs once they have all ended, in the order of the ids', async () => {
    const ids = await twoRuns();
    workers = goosuke.runs.startWorkers({ concurrency: 2 });
    let told = false;
    const outcome = await waitForRunsOrCancel(goosuke.runs, [...ids].reverse(), {
      signal: new AbortController().signal,
      onCancel: () => {
        told = true;
      },
    });
    expect(outcome.canceled).toBe(false);
    expect(outcome.runs.map((run) => run.id)).toEqual([...ids].reverse());
    expect(outcome.runs.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(told).toBe(false);
  });

  it('cancels every run when the signal aborts mid-run, says so first, and waits for them to end', async () => {
    delayMs = 60_000;
    const ids = await twoRuns();
    workers = goosuke.runs.startWorkers({ concurrency: 1 });
    // One run executing (its model call hangs), the other still queued.
    await waitUntil(async () => (await goosuke.runs.get(ids[0]!)).status === 'running');
    const interrupt = new AbortController();
    const order: string[] = [];
    const waiting = waitForRunsOrCancel(goosuke.runs, ids, {
      signal: interrupt.signal,
      onCancel: async () => {
        order.push(`told while ${(await goosuke.runs.get(ids[0]!)).status}`);
      },
    });
    interrupt.abort(new Error('stop'));
    const outcome = await waiting;
    expect(outcome.canceled).toBe(true);
    expect(outcome.runs.map((run) => run.status)).toEqual(['canceled', 'canceled']);
    expect(order).toEqual(['told while running']);
  });

  it('cancels at once when the signal has already aborted, leaving ended runs as they are', async () => {
    const profile = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1', apiKey });
    const { task } = await goosuke.tasks.create({ title: 'One ended, one not' });
    workers = goosuke.runs.startWorkers({ concurrency: 2 });
    const first = await goosuke.runs.create(task.id, { instruction: 'x', models: [profile.id] });
    const [ended] = await goosuke.runs.waitFor(first.runs.map((run) => run.id));
    delayMs = 60_000;
    const second = await goosuke.runs.create(task.id, { instruction: 'y', models: [profile.id] });
    const outcome = await waitForRunsOrCancel(goosuke.runs, [ended!.id, second.runs[0]!.id], {
      signal: AbortSignal.abort(),
    });
    expect(outcome.canceled).toBe(true);
    expect(outcome.runs.map((run) => run.status)).toEqual(['succeeded', 'canceled']);
  });

  it('rejects with what waiting failed with when the signal did not abort', async () => {
    await expect(waitForRunsOrCancel(goosuke.runs, ['run_missing'])).rejects.toMatchObject({
      code: 'not_found',
    });
  });
});
