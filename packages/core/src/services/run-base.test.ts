import { beforeEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { Run, Task } from '../domain/index.ts';
import { GoosukeError } from '../errors/index.ts';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  buildPullRequest,
  createFixedClock,
  createMemoryJobQueue,
  createMemoryStore,
  createScriptedLanguageModel,
  createSequentialIdGenerator,
  type FixedClock,
  unusedGitBackend,
} from '../testing/index.ts';

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (GoosukeError.isInstance(error)) return error.code;
    throw error;
  }
  throw new Error('expected a GoosukeError');
}

let store: Store;
let clock: FixedClock;
let goosuke: Goosuke;
let task: Task;
let textTask: Task;
let modelId: string;

beforeEach(async () => {
  store = createMemoryStore();
  clock = createFixedClock('2026-01-02T03:04:05.000Z');
  // No workers start: runs stay queued, and the tests give them the outcomes they need.
  goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-run-base-tests-0123' }),
    clock,
    ids: createSequentialIdGenerator(),
    runtime: {
      queue: createMemoryJobQueue(),
      git: unusedGitBackend,
      languageModels: () => createScriptedLanguageModel({ replies: [] }),
      layout: { cloneDir: () => '/nonexistent/clone', workingCopyDir: () => '/nonexistent/copy' },
    },
  });
  const repo = await goosuke.repos.create({
    url: 'https://github.com/acme/widgets.git',
    defaultBranch: 'main',
  });
  task = (await goosuke.tasks.create({ title: 'widgets', repoId: repo.id })).task;
  textTask = (await goosuke.tasks.create({ title: 'a question' })).task;
  modelId = (await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1' })).id;
});

/** One run on `on` (the repo task by default) with `input`. */
async function runOn(input: { baseRef?: string; fromRun?: string } = {}, on: Task = task): Promise<Run> {
  const { runs } = await goosuke.runs.create(on.id, { instruction: 'go on', models: [modelId], ...input });
  return runs[0]!;
}

/** Gives a queued run the outcome a worker would have recorded. */
async function finish(run: Run, outcome: Partial<Run> = {}): Promise<Run> {
  return store.runs.update(run.id, {
    status: 'succeeded',
    workingBranch:
      run.baseRef === null && outcome.workingBranch === undefined ? null : `goosuke/run-${run.id}`,
    ...outcome,
  });
}

/** The message of the run's `run-queued` event. */
async function queuedMessage(run: Run): Promise<string> {
  const [queued] = await goosuke.runs.events(run.id);
  expect(queued?.type).toBe('run-queued');
  return queued!.message;
}

describe('where the runs of a new message start', () => {
  it('the task’s base branch when nothing else is given or chosen, and says so', async () => {
    const run = await runOn();
    expect(run).toMatchObject({ baseRef: 'main', baseSource: { kind: 'base-branch' } });
    expect(await goosuke.runs.get(run.id)).toMatchObject({ baseSource: { kind: 'base-branch' } });
    expect(await queuedMessage(run)).toBe("queued on gpt-5.1, starting from main (the task's base branch)");
    const [queued] = await goosuke.runs.events(run.id);
    expect(queued?.data).toMatchObject({ baseRef: 'main', baseSource: { kind: 'base-branch' } });
  });

  it('the chosen run rather than the base branch: earlier work is not dropped', async () => {
    const first = await finish(await runOn());
    await goosuke.tasks.choose(task.id, first.id);
    const next = await runOn();
    expect(next).toMatchObject({
      baseRef: first.workingBranch,
      baseSource: { kind: 'chosen-run', runId: first.id },
    });
    expect(await queuedMessage(next)).toBe(`queued on gpt-5.1, starting from run ${first.id} (chosen)`);
  });

  it('the open pull request’s branch rather than the chosen run; a closed one does not count', async () => {
    const first = await finish(await runOn());
    await goosuke.tasks.choose(task.id, first.id);
    const pull = await store.pullRequests.insert(
      buildPullRequest({
        taskId: task.id,
        repoId: task.repoId!,
        runId: first.id,
        branch: 'goosuke/widgets-1',
        number: 17,
      }),
    );
    const onPull = await runOn();
    expect(onPull).toMatchObject({
      baseRef: 'goosuke/widgets-1',
      baseSource: { kind: 'pull-request', pullRequestId: pull.id, number: 17 },
    });
    expect(await queuedMessage(onPull)).toBe(
      'queued on gpt-5.1, starting from the branch goosuke/widgets-1 of pull request #17',
    );
    await store.pullRequests.update(pull.id, { state: 'merged' });
    expect((await runOn()).baseSource).toEqual({ kind: 'chosen-run', runId: first.id });
  });

  it('fromRun rather than the pull request or the chosen run; baseRef rather than anything', async () => {
    const first = await finish(await runOn());
    const second = await finish(await runOn());
    await goosuke.tasks.choose(task.id, first.id);
    await store.pullRequests.insert(
      buildPullRequest({ taskId: task.id, repoId: task.repoId!, runId: first.id, branch: 'goosuke/pr' }),
    );
    const fromSecond = await runOn({ fromRun: second.id });
    expect(fromSecond).toMatchObject({
      baseRef: second.workingBranch,
      baseSource: { kind: 'from-run', runId: second.id },
    });
    expect(await queuedMessage(fromSecond)).toBe(
      `queued on gpt-5.1, starting from run ${second.id} (fromRun)`,
    );
    const explicit = await runOn({ baseRef: 'release/2' });
    expect(explicit).toMatchObject({ baseRef: 'release/2', baseSource: { kind: 'explicit-ref' } });
    expect(await queuedMessage(explicit)).toBe('queued on gpt-5.1, starting from release/2 (as asked)');
    // Two bases at once are refused, not silently resolved.
    expect(await codeOf(runOn({ baseRef: 'main', fromRun: second.id }))).toBe('invalid_input');
  });

  it('a text task continues from its chosen run’s answer, and from nothing before a choice', async () => {
    const first = await runOn({}, textTask);
    expect(first).toMatchObject({ baseRef: null, baseSource: null });
    expect(await queuedMessage(first)).toBe('queued on gpt-5.1');
    await finish(first, { summary: 'The first answer.' });
    await goosuke.tasks.choose(textTask.id, first.id);
    const next = await runOn({}, textTask);
    // The history follows the run's branch name to its answer, as fromRun does.
    expect(next).toMatchObject({
      baseRef: `goosuke/run-${first.id}`,
      baseSource: { kind: 'chosen-run', runId: first.id },
    });
  });

  it('compare says where each run started and why', async () => {
    const first = await finish(await runOn());
    const { message } = await goosuke.runs.create(task.id, {
      instruction: 'again',
      models: [modelId],
      fromRun: first.id,
    });
    const comparison = await goosuke.runs.compare(message.id);
    expect(comparison.runs[0]).toMatchObject({
      baseRef: first.workingBranch,
      baseSource: { kind: 'from-run', runId: first.id },
    });
  });
});

describe('tasks.choose', () => {
  it('records the run the task continues from and returns the task', async () => {
    const run = await finish(await runOn());
    clock.advance(60_000);
    const chosen = await goosuke.tasks.choose(task.id, run.id);
    // `finish` ends the run in the store directly, so the task is still as its run's start left it.
    expect(chosen).toEqual({
      ...task,
      chosenRunId: run.id,
      updatedAt: '2026-01-02T03:05:05.000Z',
      status: 'active',
    });
    expect(await goosuke.tasks.get(task.id)).toEqual(chosen);
  });

  it('refuses a missing task or run, and a run of another task (not found)', async () => {
    const run = await finish(await runOn());
    const otherTask = (await goosuke.tasks.create({ title: 'other', repoId: task.repoId! })).task;
    expect(await codeOf(goosuke.tasks.choose('task_missing', run.id))).toBe('not_found');
    expect(await codeOf(goosuke.tasks.choose(task.id, 'run_missing'))).toBe('not_found');
    expect(await codeOf(goosuke.tasks.choose(otherTask.id, run.id))).toBe('not_found');
    expect(await codeOf(goosuke.tasks.choose(task.id, ''))).toBe('invalid_input');
    expect((await goosuke.tasks.get(otherTask.id)).chosenRunId).toBeNull();
  });

  it('refuses a run with nothing to continue from (conflict)', async () => {
    const queued = await runOn();
    const failed = await finish(await runOn(), {
      status: 'failed',
      workingBranch: null,
      error: { code: 'x', message: 'y' },
    });
    const unchanged = await finish(await runOn(), { workingBranch: null });
    for (const run of [queued, failed, unchanged]) {
      expect(await codeOf(goosuke.tasks.choose(task.id, run.id))).toBe('conflict');
    }
    expect((await goosuke.tasks.get(task.id)).chosenRunId).toBeNull();
    // A text task's succeeded run has no commit, and needs none: its answer is what continues.
    const answered = await finish(await runOn({}, textTask));
    expect((await goosuke.tasks.choose(textTask.id, answered.id)).chosenRunId).toBe(answered.id);
    const unanswered = await finish(await runOn({}, textTask), { status: 'canceled' });
    expect(await codeOf(goosuke.tasks.choose(textTask.id, unanswered.id))).toBe('conflict');
  });
});

describe("a user's base: the task's own branches, one name at a time", () => {
  /** Counts the store's run listings from here on. */
  function countListings(): { count: number } {
    const counter = { count: 0 };
    const list = store.runs.list.bind(store.runs);
    store.runs.list = (query) => {
      counter.count++;
      return list(query);
    };
    return counter;
  }

  it("accepts the task's run and pull request branches, refuses another task's and a queued run's", async () => {
    const own = await finish(await runOn());
    const queued = await runOn();
    const other = (await goosuke.tasks.create({ title: 'other', repoId: task.repoId! })).task;
    const foreign = await finish(await runOn({}, other));
    await store.pullRequests.insert(
      buildPullRequest({
        taskId: task.id,
        repoId: task.repoId!,
        runId: own.id,
        branch: 'goosuke/widgets-1',
        number: 3,
      }),
    );
    const asUser = (baseRef: string) =>
      goosuke.runs.create(task.id, {
        instruction: 'go on',
        models: [modelId],
        baseRef,
        createdBy: 'someone',
      });
    for (const ref of [`goosuke/run-${own.id}`, `refs/heads/goosuke/run-${own.id}`, 'goosuke/widgets-1']) {
      expect((await asUser(ref)).runs[0]!.baseRef).toBe(ref);
    }
    for (const ref of [
      `goosuke/run-${foreign.id}`,
      `goosuke/run-${queued.id}`,
      'goosuke/run-missing',
      'goosuke/x',
    ]) {
      expect(await codeOf(asUser(ref))).toBe('invalid_input');
    }
  });

  it("does not list the task's runs to check a branch name: a long history costs nothing", async () => {
    const own = await finish(await runOn());
    for (let index = 0; index < 30; index++) await runOn();
    const listings = countListings();
    const { runs } = await goosuke.runs.create(task.id, {
      instruction: 'go on',
      models: [modelId],
      baseRef: `goosuke/run-${own.id}`,
      createdBy: 'someone',
    });
    expect(runs[0]!.baseRef).toBe(`goosuke/run-${own.id}`);
    // A repository's own branch name needs no read at all.
    await goosuke.runs.create(task.id, {
      instruction: 'go on',
      models: [modelId],
      baseRef: 'main',
      createdBy: 'someone',
    });
    expect(listings.count).toBe(0);
  });
});
