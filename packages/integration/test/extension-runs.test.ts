// Model runs with MCP extensions, end to end: Goosuke on a real SQLite file, the durable queue and
// isomorphic-git on a real repository; the real OpenAI, Anthropic and Google SDK clients against
// their loopback fakes; the extensions' servers are the real MCP stdio fixture server, started by
// @goosuke/mcp's connector in the bubblewrap sandbox. The fakes script the model: which tools it
// calls and what it finally answers; the tests check what went back to the model on the wire, what
// the run recorded and what its events say.
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import {
  type CreateExtensionInput,
  createGoosuke,
  createWebCryptoSecretBox,
  type Goosuke,
  type Run,
  type RunEvent,
} from '@goosuke/core';
import { createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { createMcpExtensionConnector } from '@goosuke/mcp';
import { createSqliteJobQueue, createSqliteStore } from '@goosuke/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import {
  killPids,
  type ProviderName,
  processesWith,
  providerLanguageModels,
  type ScriptedProvider,
  startScriptedProvider,
  stdioServerPath,
} from './extension-support.ts';
import { makeRepository, searchReplaceReply, showFile, temporaryDirectory } from './support.ts';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const answerFile = 'src/answer.ts';
const answerSource = 'export const answer = 0;';
/** The model's final answer: one SEARCH/REPLACE edit that writes `value` into src/answer.ts. */
const editReply = (value: string, summary = `The answer is now ${value}.`) =>
  searchReplaceReply(answerFile, summary, answerSource, `export const answer = ${value};`);

interface Environment {
  goosuke: Goosuke;
  model: ScriptedProvider;
  profileId: string;
  /** A task on a real repository holding src/answer.ts. */
  repoTaskId: string;
  repoId: string;
  dataDir: string;
  /** Every event delivered live, in order. */
  live: RunEvent[];
  /** On the command line of every fixture server this environment starts. */
  marker: string;
}

/**
 * Goosuke composed as the CLI composes it, on a scratch directory: the SQLite store and queue,
 * isomorphic-git, the real provider SDKs (a profile pointing at `provider`'s fake) and the MCP
 * connector (default sandbox, the data directory hidden); workers started. All closed in teardown.
 */
async function setUp(provider: ProviderName = 'openai'): Promise<Environment> {
  const scratch = await temporaryDirectory('goosuke-it-ext-');
  cleanups.push(scratch.cleanup);
  const dataDir = path.join(scratch.dir, 'data');
  const source = path.join(scratch.dir, 'source');
  await makeRepository(source, {
    'README.md': '# answers\n',
    [answerFile]: `${answerSource}\n`,
  });
  const model = await startScriptedProvider(provider);
  cleanups.push(() => model.close());
  const marker = `goosuke-it-ext-${randomUUID()}`;
  // Whatever a failed test left running, by pid.
  cleanups.push(async () => killPids(await processesWith(marker)));

  const store = await createSqliteStore({ database: path.join(scratch.dir, 'goosuke.db') });
  const queue = await createSqliteJobQueue({ database: store.database, pollIntervalMs: 20 });
  const goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'integration-extension-secret-0123456789abcdef' }),
    runtime: {
      queue,
      git: createIsomorphicGitBackend(),
      languageModels: providerLanguageModels,
      extensionConnector: createMcpExtensionConnector({ hiddenPaths: [dataDir] }),
      layout: {
        cloneDir: (repo) => path.join(dataDir, 'clones', repo.id),
        workingCopyDir: (run) => path.join(dataDir, 'worktrees', run.id),
      },
    },
  });
  const workers = goosuke.runs.startWorkers({ concurrency: 2, recoverEveryMs: 60_000 });
  cleanups.push(async () => {
    await workers.stop();
    await queue.close();
    await goosuke.close();
  });
  const live: RunEvent[] = [];
  goosuke.runs.subscribe((event) => live.push(event));

  const profile = await goosuke.models.create({
    provider: model.provider,
    modelName: model.modelName,
    apiKey: model.apiKey,
    baseUrl: model.baseUrl,
  });
  const repo = await goosuke.repos.create({ url: source });
  const { task } = await goosuke.tasks.create({ title: 'answers', repoId: repo.id });
  return {
    goosuke,
    model,
    profileId: profile.id,
    repoTaskId: task.id,
    repoId: repo.id,
    dataDir,
    live,
    marker,
  };
}

/**
 * A stdio extension running the fixture server in `mode` (default: serve its tools), with the
 * environment's marker on its command line.
 */
function fixtureExtension(
  env: Environment,
  name: string,
  options: Partial<CreateExtensionInput> & { mode?: string } = {},
) {
  const { mode = '--serve', ...rest } = options;
  return env.goosuke.extensions.create({
    name,
    type: 'stdio',
    command: process.execPath,
    args: [stdioServerPath, mode, env.marker],
    timeoutSeconds: 10,
    ...rest,
  });
}

/** No fixture server of `env` is left running (a run closes its connections before it ends). */
async function expectNoServerLeft(env: Environment): Promise<void> {
  expect(await processesWith(env.marker)).toEqual([]);
}

/** Creates one run of `taskId` on the environment's model and awaits its end. */
async function runToEnd(
  env: Environment,
  options: { taskId?: string; instruction?: string; extensionIds?: string[] } = {},
): Promise<Run> {
  const { runs } = await env.goosuke.runs.create(options.taskId ?? env.repoTaskId, {
    instruction: options.instruction ?? 'Set the answer with the facts tools.',
    models: [env.profileId],
    ...(options.extensionIds === undefined ? {} : { extensionIds: options.extensionIds }),
  });
  const [done] = await env.goosuke.runs.waitFor(runs.map((run) => run.id));
  return done!;
}

/** The run's `run-log` events of one `data.kind`. */
async function logsOf(env: Environment, runId: string, kind: string): Promise<RunEvent[]> {
  return (await env.goosuke.runs.events(runId)).filter(
    (event) => event.type === 'run-log' && event.data.kind === kind,
  );
}

describe.each(['openai', 'anthropic', 'google'] as const)('an extension tool on %s', (provider) => {
  it('goes to the model, its result comes back on the wire, and the final edit applies', async () => {
    const env = await setUp(provider);
    const facts = await fixtureExtension(env, 'facts');
    expect(facts.server).toBeNull();
    env.model.callTools({ name: 'facts__add', args: { a: 20, b: 22 } });
    env.model.answer(editReply('42'));

    const run = await runToEnd(env, { extensionIds: [facts.id] });
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(env.model.pending()).toBe(0);
    await expectNoServerLeft(env);

    // The first call offered the extension's tools and the repository's; the second carried the result.
    const bodies = env.model.bodies();
    expect(bodies).toHaveLength(2);
    for (const index of [0, 1]) {
      expect(env.model.toolNames(index)).toEqual(
        expect.arrayContaining(['facts__add', 'facts__echo', 'read_file', 'search_files']),
      );
    }
    expect(env.model.toolResults(0)).toEqual([]);
    expect(env.model.toolResults(1)).toEqual([
      { name: provider === 'google' ? 'facts__add' : null, content: '42', isError: false },
    ]);

    // The edit landed on the run's branch.
    expect(run.patch).toContain('+export const answer = 42;');
    expect(run.filesChanged.map((file) => file.path)).toEqual([answerFile]);
    const clone = path.join(env.dataDir, 'clones', env.repoId);
    expect(await showFile(clone, run.workingBranch!, answerFile)).toBe('export const answer = 42;\n');

    // The run and the extension recorded the server as it reported itself.
    expect(run.extensions).toEqual([
      {
        id: facts.id,
        name: 'facts',
        server: { name: 'goosuke-test-stdio', version: '1.2.3', checkedAt: expect.any(String) },
      },
    ]);
    expect((await env.goosuke.extensions.get(facts.id)).server).toEqual({
      name: 'goosuke-test-stdio',
      version: '1.2.3',
      checkedAt: expect.any(String),
    });

    const [connected] = await logsOf(env, run.id, 'extension_connected');
    expect(connected?.data).toMatchObject({
      extension: 'facts',
      server: { name: 'goosuke-test-stdio', version: '1.2.3' },
      tools: expect.arrayContaining(['facts__add', 'facts__echo', 'facts__env']),
    });
    const calls = await logsOf(env, run.id, 'tool_call');
    expect(calls.map((event) => event.data)).toEqual([
      expect.objectContaining({
        status: 'in_progress',
        toolKind: 'mcp',
        extension: 'facts',
        tool: 'add',
        arguments: '{"a":20,"b":22}',
      }),
    ]);
    const updates = await logsOf(env, run.id, 'tool_call_update');
    expect(updates.map((event) => event.data)).toEqual([
      expect.objectContaining({
        status: 'completed',
        toolCallId: calls[0]!.data.toolCallId,
        extension: 'facts',
        result: '42',
      }),
    ]);
    expect(run.warnings).toEqual([]);
  });
});

describe('model runs with extensions', () => {
  it('answers a text task with a tool result (no repository)', async () => {
    const env = await setUp('anthropic');
    const facts = await fixtureExtension(env, 'facts');
    const { task } = await env.goosuke.tasks.create({ title: 'arithmetic' });
    expect(task.repoId).toBeNull();
    env.model.callTools({ name: 'facts__add', args: { a: 20, b: 22 } });
    env.model.answer('20 + 22 = 42, as the facts extension says.');

    const run = await runToEnd(env, {
      taskId: task.id,
      instruction: 'What is 20 + 22? Use the tools.',
      extensionIds: [facts.id],
    });
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(run.summary).toBe('20 + 22 = 42, as the facts extension says.');
    expect(run.patch).toBeNull();
    // A text run gets the extension's tools only: there is no repository to read.
    expect(env.model.toolNames(0)).toContain('facts__add');
    expect(env.model.toolNames(0)).not.toContain('read_file');
    expect(env.model.toolResults(1)).toEqual([{ name: null, content: '42', isError: false }]);
    expect(run.extensions[0]?.server).toMatchObject({ name: 'goosuke-test-stdio', version: '1.2.3' });
    expect(await logsOf(env, run.id, 'tool_call_update')).toEqual([
      expect.objectContaining({ data: expect.objectContaining({ status: 'completed', result: '42' }) }),
    ]);
  });

  it("sends a tool's own error back as an error result, and the run goes on to its edit", async () => {
    const env = await setUp('anthropic');
    const facts = await fixtureExtension(env, 'facts');
    env.model.callTools({ name: 'facts__fail', args: {} });
    env.model.answer(editReply('7', 'The tool failed; the answer is 7 anyway.'));

    const run = await runToEnd(env, { extensionIds: [facts.id] });
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(run.patch).toContain('+export const answer = 7;');
    const [result] = env.model.toolResults(1);
    expect(result).toMatchObject({ isError: true });
    expect(result!.content).toContain('the tool failed on purpose');
    const [update] = await logsOf(env, run.id, 'tool_call_update');
    expect(update).toMatchObject({ level: 'warn', data: { status: 'failed', tool: 'fail' } });
    expect(String(update!.data.result)).toContain('the tool failed on purpose');
  });

  it('fails a hung tool call within the extension timeout, and the run goes on', async () => {
    const env = await setUp('google');
    const facts = await fixtureExtension(env, 'facts', { timeoutSeconds: 1 });
    env.model.callTools({ name: 'facts__sleep', args: { ms: 120_000 } });
    env.model.answer(editReply('1'));

    const started = Date.now();
    const run = await runToEnd(env, { extensionIds: [facts.id] });
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(Date.now() - started).toBeLessThan(8_000);
    expect(run.patch).toContain('+export const answer = 1;');
    // The server still sleeping on the call is stopped with the run.
    await expectNoServerLeft(env);

    const [result] = env.model.toolResults(1);
    expect(result).toMatchObject({ name: 'facts__sleep', isError: true });
    expect(result!.content).toContain(
      'the MCP server "facts" did not answer tools/call "sleep" within 1000 ms',
    );
    const [update] = await logsOf(env, run.id, 'tool_call_update');
    expect(update?.data.status).toBe('failed');
    // It waited about the timeout: not returned at once, not the tool's two minutes.
    expect(update?.data.durationMs).toBeGreaterThanOrEqual(900);
    expect(update?.data.durationMs).toBeLessThan(5_000);
  });

  it('turns a crashed server into tool errors, later calls included, and never crashes the process', async () => {
    const env = await setUp('openai');
    const token = `crash-secret-${randomBytes(16).toString('hex')}`;
    const facts = await fixtureExtension(env, 'facts', {
      env: [{ name: 'SECRET_TOKEN', value: token, secret: true }],
    });
    env.model.callTools({ name: 'facts__crash', args: {} });
    env.model.callTools({ name: 'facts__echo', args: { text: 'still there?' } });
    env.model.answer(editReply('3', 'The facts server died; the answer is 3.'));

    const run = await runToEnd(env, { extensionIds: [facts.id] });
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(run.patch).toContain('+export const answer = 3;');

    // The crash: an error naming the server, with its stderr (which printed the secret) redacted.
    const [crashed] = env.model.toolResults(1);
    expect(crashed).toMatchObject({ isError: true });
    expect(crashed!.content).toContain('the MCP server "facts" exited with code 3');
    expect(crashed!.content).toContain('SECRET_TOKEN=***');
    expect(crashed!.content).not.toContain(token);
    // The call after it fails too, as an error the model reads.
    const [after] = env.model.toolResults(2).slice(1);
    expect(after).toMatchObject({ isError: true });
    expect(after!.content).toContain('the MCP server "facts" is no longer running');
    expect(after!.content).not.toContain(token);
    await expectNoServerLeft(env);

    const updates = await logsOf(env, run.id, 'tool_call_update');
    expect(updates.map((event) => [event.data.tool, event.data.status])).toEqual([
      ['crash', 'failed'],
      ['echo', 'failed'],
    ]);
    expect(JSON.stringify(await env.goosuke.runs.events(run.id))).not.toContain(token);
    expect(JSON.stringify(await env.goosuke.runs.get(run.id))).not.toContain(token);
  });

  it('goes without a server that cannot start, with a warning and an event', async () => {
    const env = await setUp('openai');
    const token = `start-secret-${randomBytes(16).toString('hex')}`;
    const broken = await fixtureExtension(env, 'broken', {
      mode: '--exit-at-start',
      env: [{ name: 'SECRET_TOKEN', value: token, secret: true }],
    });
    env.model.answer(editReply('5'));

    const run = await runToEnd(env, { extensionIds: [broken.id] });
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(run.patch).toContain('+export const answer = 5;');
    // No extension tools: the model got one plain call without any tool.
    expect(env.model.bodies()).toHaveLength(1);
    expect(env.model.toolNames(0)).toEqual([]);

    expect(run.warnings).toEqual([expect.stringMatching(/^extension broken: .*the run went without it$/)]);
    expect(run.extensions).toEqual([{ id: broken.id, name: 'broken', server: null }]);
    const [unavailable] = await logsOf(env, run.id, 'extension_unavailable');
    expect(unavailable).toMatchObject({ level: 'warn', data: { extension: 'broken' } });
    expect(unavailable!.message).toMatch(/^extension broken: the MCP server "broken" exited with code 2/);
    expect(unavailable!.message).toContain('cannot start: missing configuration (token ***)');
    expect(await logsOf(env, run.id, 'extension_connected')).toEqual([]);
    expect((await env.goosuke.extensions.get(broken.id)).server).toBeNull();
    // The server printed its secret on stderr as it died: no message holds it.
    expect(JSON.stringify(await env.goosuke.runs.events(run.id))).not.toContain(token);
    expect(JSON.stringify(await env.goosuke.runs.get(run.id))).not.toContain(token);
  });

  it('stops tool use when the model repeats a call, and asks for the answer without tools', async () => {
    const env = await setUp('openai');
    const facts = await fixtureExtension(env, 'facts');
    env.model.callTools({ name: 'facts__echo', args: { text: 'x' } });
    env.model.callTools({ name: 'facts__echo', args: { text: 'x' } });
    env.model.answer(editReply('9'));

    const run = await runToEnd(env, { extensionIds: [facts.id] });
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(run.patch).toContain('+export const answer = 9;');
    expect(env.model.pending()).toBe(0);

    const bodies = env.model.bodies();
    expect(bodies).toHaveLength(3);
    expect(env.model.toolNames(1)).toContain('facts__echo');
    // The third call: no tools, no tool messages; the exchange is plain text.
    const third = bodies[2]!;
    expect(third.tools).toBeUndefined();
    expect(env.model.toolResults(2)).toEqual([]);
    const messages = third.messages as Array<{ role: string; content: unknown; tool_calls?: unknown }>;
    expect(messages.every((message) => message.tool_calls === undefined)).toBe(true);
    const text = JSON.stringify(messages);
    expect(text).toContain('[called facts__echo with {\\"text\\":\\"x\\"}]');
    expect(text).toContain('[result of facts__echo]\\nx');
    expect(text).toContain('Tool use is over (the model called facts__echo again with the same arguments)');

    const stopped = await logsOf(env, run.id, 'tool_loop_stopped');
    expect(stopped).toEqual([
      expect.objectContaining({
        level: 'warn',
        data: {
          kind: 'tool_loop_stopped',
          reason: 'the model called facts__echo again with the same arguments',
        },
      }),
    ]);
    // The echo ran once; the repeat was refused without reaching the server.
    expect((await logsOf(env, run.id, 'tool_call')).map((event) => event.data.tool)).toEqual(['echo']);
  });

  it("keeps an extension's secret to its own server and out of events, runs and the extension API", async () => {
    const env = await setUp('openai');
    const secret = `tok-${randomBytes(24).toString('hex')}`;
    const vault = await fixtureExtension(env, 'vault', {
      env: [
        { name: 'SECRET_TOKEN', value: secret, secret: true },
        { name: 'VAULT_ONLY', value: 'vault-plain-value' },
      ],
    });
    const other = await fixtureExtension(env, 'other', {
      env: [{ name: 'OTHER_ONLY', value: 'other-plain-value' }],
    });
    env.model.callTools({ name: 'other__env', args: {} });
    env.model.callTools({ name: 'vault__env', args: {} });
    env.model.answer(editReply('11', `Done; ${secret} was not needed.`));

    const run = await runToEnd(env, { extensionIds: [vault.id, other.id] });
    expect([run.status, run.error]).toEqual(['succeeded', null]);

    // The other server's environment is its own: nothing of the vault's, nothing of the host's.
    const [otherResult] = env.model.toolResults(1);
    expect(otherResult?.isError).toBe(false);
    const otherEnv = JSON.parse(otherResult!.content) as Record<string, string>;
    expect(otherEnv.OTHER_ONLY).toBe('other-plain-value');
    expect(otherEnv).not.toHaveProperty('SECRET_TOKEN');
    expect(otherEnv).not.toHaveProperty('VAULT_ONLY');
    expect(otherResult!.content).not.toContain(secret);
    // Exactly what the sandbox gives (HOME, PWD, TMPDIR) and its own variable: no host variable.
    expect(Object.keys(otherEnv).sort()).toEqual(['HOME', 'OTHER_ONLY', 'PWD', 'TMPDIR']);

    // The vault's server has its secret; the model gets it as the tool's result (by design).
    const vaultResult = env.model.toolResults(2)[1]!;
    const vaultEnv = JSON.parse(vaultResult.content) as Record<string, string>;
    expect(vaultEnv.SECRET_TOKEN).toBe(secret);
    expect(vaultEnv.VAULT_ONLY).toBe('vault-plain-value');
    expect(vaultEnv).not.toHaveProperty('OTHER_ONLY');

    // Nowhere else: stored and live events (messages and data), the run, the extension API.
    const events = await env.goosuke.runs.events(run.id);
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(JSON.stringify(env.live.filter((event) => event.runId === run.id))).not.toContain(secret);
    const vaultUpdate = events.find(
      (event) => event.data.kind === 'tool_call_update' && event.data.extension === 'vault',
    );
    expect(vaultUpdate?.data.status).toBe('completed');
    expect(JSON.parse(String(vaultUpdate?.data.result)).SECRET_TOKEN).toBe('***');
    const stored = await env.goosuke.runs.get(run.id);
    expect(JSON.stringify(stored)).not.toContain(secret);
    // The summary held the secret (the model echoed it): it is redacted.
    expect(stored.summary).toContain('***');
    expect(JSON.stringify(await env.goosuke.tasks.listMessages(env.repoTaskId))).not.toContain(secret);
    const shown = await env.goosuke.extensions.get(vault.id);
    expect(shown.env).toEqual([
      { name: 'SECRET_TOKEN', value: null, secret: true },
      { name: 'VAULT_ONLY', value: 'vault-plain-value', secret: false },
    ]);
    expect(JSON.stringify(shown)).not.toContain(secret);
    expect(JSON.stringify(await env.goosuke.extensions.list())).not.toContain(secret);
    await expectNoServerLeft(env);
  });

  it('gives every run the enabled always-on extensions and leaves disabled ones out', async () => {
    const env = await setUp('openai');
    const always = await fixtureExtension(env, 'always', { alwaysOn: true });
    const off = await fixtureExtension(env, 'off', { enabled: false });
    await fixtureExtension(env, 'always-off', { alwaysOn: true, enabled: false });
    const { task } = await env.goosuke.tasks.create({
      title: 'with a disabled extension',
      repoId: env.repoId,
      extensionIds: [off.id],
    });
    env.model.answer(editReply('13'));

    const run = await runToEnd(env, { taskId: task.id });
    expect([run.status, run.error]).toEqual(['succeeded', null]);
    expect(run.extensions).toEqual([
      {
        id: always.id,
        name: 'always',
        server: { name: 'goosuke-test-stdio', version: '1.2.3', checkedAt: expect.any(String) },
      },
    ]);
    const offered = env.model.toolNames(0);
    expect(offered).toContain('always__add');
    expect(offered.filter((name) => name.startsWith('off__') || name.startsWith('always_off__'))).toEqual([]);

    // Naming a disabled extension for a run is refused before anything runs.
    const refused = await env.goosuke.runs
      .create(task.id, { instruction: 'x', models: [env.profileId], extensionIds: [off.id] })
      .catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'invalid_input' });
    expect((refused as Error).message).toContain('the extension off is disabled');
    expect((await env.goosuke.runs.list({ taskId: task.id })).items).toHaveLength(1);
  });
});
