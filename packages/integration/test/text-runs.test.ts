// Text tasks end to end: a task without a repository gets text runs, answered by the text agent
// (one streamed model call on the conversation), on the default composition and the OpenAI fake.
import path from 'node:path';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import type { RunWorkers } from '@goosuke/core';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from './support.ts';

const openaiKey = 'sk-e2e-text-openai-7f3a9c1e5b';
const secretKey = 'e2e-text-master-secret-2d4f6a8c0e1b3d5f';

describe('text runs: a task without a repository is answered by the text agent', () => {
  let scratch: Awaited<ReturnType<typeof temporaryDirectory>> | undefined;
  let openai: FakeOpenAIServer | undefined;
  let goosuke: DefaultGoosuke | undefined;
  let workers: RunWorkers | undefined;

  beforeAll(async () => {
    scratch = await temporaryDirectory('goosuke-e2e-text-');
    openai = await startFakeOpenAIServer({ apiKey: openaiKey });
    goosuke = await createDefaultGoosuke(
      readDefaultGoosukeConfig(
        { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data') },
        scratch.dir,
      ),
      { env: { OPENAI_API_KEY: openaiKey, OPENAI_BASE_URL: openai.url } },
    );
    workers = goosuke.runs.startWorkers({ concurrency: 2 });
  });

  afterAll(async () => {
    await workers?.stop();
    await goosuke?.close();
    await openai?.close();
    await scratch?.cleanup();
  });

  it('answers on two models, stores the answers, and a follow-up sees the answer it builds on', async () => {
    const [gpt, mini] = await Promise.all(
      ['gpt-4.1', 'gpt-4.1-mini'].map((modelName) =>
        goosuke!.models.create({ provider: 'openai', modelName }),
      ),
    );
    openai!.respond(
      { kind: 'reply', textChunks: ['Alice wants ', 'to ship on Friday.'] },
      { kind: 'reply', textChunks: ['Ship Friday (Alice).'] },
    );
    const { task } = await goosuke!.tasks.create({ title: 'Summarize the thread' });
    expect(task.repoId).toBeNull();
    const { runs } = await goosuke!.runs.create(task.id, {
      instruction: 'Summarize:\nalice: let us ship on Friday\nbob: fine',
      models: [gpt!.id, mini!.id],
    });
    expect(runs.every((run) => run.baseRef === null)).toBe(true);
    const done = await goosuke!.runs.waitFor(runs.map((run) => run.id));
    expect(done.map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(done.map((run) => run.summary).sort()).toEqual([
      'Alice wants to ship on Friday.',
      'Ship Friday (Alice).',
    ]);
    expect(
      done.every((run) => run.patch === null && run.filesChanged.length === 0 && run.workingBranch === null),
    ).toBe(true);
    expect(openai!.requests.every((request) => (request.body as { stream?: boolean }).stream === true)).toBe(
      true,
    );
    const events = await goosuke!.runs.events(done[0]!.id);
    const types = (
      Array.isArray(events) ? events : (events as { items: Array<{ type: string; message: string }> }).items
    ).map((event: { type: string }) => event.type);
    expect(types).toEqual(['run-queued', 'run-started', 'run-tokens', 'run-succeeded']);
    const detail = await goosuke!.tasks.getDetail(task.id);
    expect(detail.messages.filter((message) => message.role === 'assistant')).toHaveLength(2);

    // A follow-up on the first answer: the model sees the question, that answer, and the new one.
    openai!.respond({ kind: 'reply', textChunks: ['Friday.'] });
    const first = done.find((run) => run.summary === 'Alice wants to ship on Friday.')!;
    const seen = openai!.requests.length;
    const followUp = await goosuke!.runs.create(task.id, {
      instruction: 'In one word: when?',
      models: [gpt!.id],
      fromRun: first.id,
    });
    const [answered] = await goosuke!.runs.waitFor(followUp.runs.map((run) => run.id));
    expect(answered!.summary).toBe('Friday.');
    const sent = JSON.stringify(openai!.requests[seen]!.body);
    expect(sent).toContain('Alice wants to ship on Friday.');
    expect(sent).not.toContain('Ship Friday (Alice).');
    expect(sent).toContain('In one word: when?');
  });

  it('refuses a base ref on a text task', async () => {
    const model = (await goosuke!.models.list()).items[0]!;
    const { task } = await goosuke!.tasks.create({ title: 'No repo' });
    const error = await goosuke!.runs
      .create(task.id, { instruction: 'x', models: [model.id], baseRef: 'main' })
      .catch((caught: unknown) => caught);
    expect((error as { code?: string }).code).toBe('invalid_input');
  });
});
