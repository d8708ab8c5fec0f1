// The ACP agent against a real child process: the fake agent in fixtures/, built on the SDK's agent
// side, speaking ACP over its stdio. Its behaviour is chosen by keywords in the prompt.
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type AcpAgentOptions, createAcpAgent } from '@goosuke/acp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  abortOnceExists,
  dataOf,
  type EmittedEvent,
  fakeAgentPath,
  groupGone,
  inputFor,
  killLeftovers,
  makeScratch,
  message,
  type Scratch,
  startedPid,
  summaryOf,
} from './support.ts';

const baseEnv = { LANG: 'C.UTF-8', FAKE_None: 'declared' };
// These tests are about the protocol, so they run unconfined; bubblewrap-sandbox.test.ts runs
// the same agent in the sandbox.
const fakeAgent = (options: Partial<AcpAgentOptions> = {}) =>
  createAcpAgent({
    command: process.execPath,
    args: [fakeAgentPath],
    env: baseEnv,
    unsafeNoSandbox: true,
    ...options,
  });

let scratch: Scratch;
/** Every run's events, so that teardown can kill what a failing test left behind. */
let runs: EmittedEvent[][] = [];
beforeEach(async () => {
  scratch = await makeScratch();
});
afterEach(async (context) => {
  // Only after a failure: a passing test has shown the group gone, and its ids may be reused.
  if (context.task.result?.state === 'fail') {
    const grandchild = Number((await scratch.workspace.readFile('grandchild.pid').catch(() => null)) ?? 0);
    killLeftovers(runs.flat(), grandchild > 0 ? [grandchild] : []);
  }
  runs = [];
  await scratch.cleanup();
});
const runInput = (...args: Parameters<typeof inputFor>) => {
  const made = inputFor(...args);
  runs.push(made.events);
  return made;
};

describe('a turn that ends', () => {
  it('writes and reads files through the workspace, and the final message is the summary', async () => {
    const { input, events } = runInput('EDIT please', scratch.workspace);
    const outcome = await fakeAgent().run(input);

    expect(outcome).toEqual({
      status: 'succeeded',
      summary: 'All done. read="line two\\n"',
      usage: null,
      warnings: [expect.stringContaining('the agent ran unsandboxed')],
    });
    expect(dataOf(events, 'sandbox')).toEqual([
      {
        kind: 'sandbox',
        sandboxed: false,
        reason: 'unsafeNoSandbox is set and no sandbox was given',
        home: expect.stringMatching(/\/goosuke-agents-\d+\/run-[^/]+\/home$/),
        tmpdir: expect.stringMatching(/\/goosuke-agents-\d+\/run-[^/]+\/tmp$/),
        homeKept: false,
      },
    ]);
    expect(await scratch.workspace.readFile('notes/edited.txt')).toBe('edited through the client\n');
    expect(dataOf(events, 'fs_write')).toEqual([{ kind: 'fs_write', path: 'notes/edited.txt', chars: 26 }]);
    // The message before the last tool call is recorded, but is not the summary.
    expect(dataOf(events, 'agent_message').map((data) => data.text)).toEqual([
      'Looking at the task.',
      'All done. read="line two\\n"',
    ]);
    expect(dataOf(events, 'turn_ended')).toEqual([{ kind: 'turn_ended', stopReason: 'end_turn' }]);
    expect(await groupGone(startedPid(events), 0)).toBe(true);
  });

  it('starts the agent in the working copy, with session/new given its root and the MCP servers', async () => {
    const mcpServers = [
      { name: 'answers', command: '/bin/true', args: ['--x'], env: [{ name: 'A', value: 'b' }] },
    ];
    const { input } = runInput('DIRECT', scratch.workspace);
    const outcome = await fakeAgent({ mcpServers }).run(input);

    expect(outcome.status).toBe('succeeded');
    expect(await scratch.workspace.readFile('direct.txt')).toBe('written by the agent itself\n');
    const session = JSON.parse((await scratch.workspace.readFile('session-new.json')) ?? 'null');
    expect(session).toEqual({ cwd: scratch.root, processCwd: scratch.root, mcpServers });
  });

  it('records tool calls, their updates and plans as events', async () => {
    const { input, events } = runInput('PLAN then TOOL', scratch.workspace);
    await fakeAgent().run(input);

    expect(dataOf(events, 'plan')).toEqual([
      {
        kind: 'plan',
        entries: [
          { content: 'read the notes', status: 'completed', priority: 'high' },
          { content: 'write the change', status: 'pending', priority: 'medium' },
        ],
      },
    ]);
    expect(dataOf(events, 'tool_call')[0]).toEqual({
      kind: 'tool_call',
      toolCallId: 'call-1',
      toolKind: 'read',
      title: 'Reading input.txt',
      status: 'in_progress',
      locations: [{ path: path.join(scratch.root, 'input.txt'), line: 2 }],
    });
    expect(dataOf(events, 'tool_call_update')).toEqual([
      { kind: 'tool_call_update', toolCallId: 'call-1', status: 'completed' },
    ]);
    const toolEvent = events.find((event) => event.data.kind === 'tool_call');
    expect(toolEvent).toMatchObject({
      type: 'run-log',
      level: 'info',
      message: expect.stringContaining('Reading'),
    });
  });

  it('joins message chunks into a few events instead of one per chunk', async () => {
    const { input, events } = runInput('CHATTY', scratch.workspace);
    await fakeAgent().run(input);

    const messages = dataOf(events, 'agent_message');
    // 400 one-character chunks, then two more messages.
    expect(messages.length).toBeLessThanOrEqual(3);
    expect(String(messages[0]?.text)).toMatch(/^x{400}/);
  });

  it('sends the conversation, oldest first, then the instruction', async () => {
    const history = [
      message('user', 'First, add a README.', 1),
      message('assistant', 'Added README.md.', 2),
      message('user', 'ECHO now fix the typo', 3),
    ];
    const { input } = runInput('ECHO now fix the typo', scratch.workspace, { history });
    const outcome = await fakeAgent().run(input);

    expect(outcome.status).toBe('succeeded');
    const prompt = outcome.summary?.split('PROMPT<<')[1] ?? '';
    expect(prompt).toContain('[user]\nFirst, add a README.\n\n[assistant]\nAdded README.md.');
    expect(prompt.indexOf('Added README.md.')).toBeLessThan(prompt.indexOf('ECHO now fix the typo'));
    expect(prompt.split('ECHO now fix the typo')).toHaveLength(2);
  });

  it.each([
    ['MAXTOKENS', /max_tokens/],
    ['REFUSE', /refused to continue/],
  ])('fails a turn that stops with %s', async (keyword, reason) => {
    const { input } = runInput(keyword, scratch.workspace);
    const outcome = await fakeAgent().run(input);
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringMatching(reason) });
    expect(outcome.summary).toContain('All done.');
  });
});

describe('security', () => {
  it('refuses file requests outside the working copy and in .git, and records them', async () => {
    const { input, events } = runInput('ESCAPE', scratch.workspace);
    const outcome = await fakeAgent().run(input);

    expect(outcome.status).toBe('succeeded');
    const summary = outcome.status === 'succeeded' ? outcome.summary : '';
    expect(summary).not.toContain('escape-written');
    expect(summary.match(/escape-refused=/g)).toHaveLength(3);
    // Each refused by this package's own check, before the Workspace (which would refuse too).
    expect(summary.match(/is outside the working copy/g)).toHaveLength(3);
    expect(existsSync(path.join(scratch.dir, 'escaped.txt'))).toBe(false);
    expect(existsSync(path.join(scratch.root, '.git', 'config'))).toBe(false);
    expect(dataOf(events, 'fs_refused')).toHaveLength(3);
    expect(await readFile(path.join(scratch.dir, 'outside.txt'), 'utf8')).toBe('not the agent’s\n');
  });

  it('answers permissions by the default policy and records every decision', async () => {
    const { input, events } = runInput('PERMISSION', scratch.workspace);
    const outcome = await fakeAgent().run(input);

    // Execute refused, an edit inside allowed once (never "always"), an edit outside refused.
    expect(outcome.summary).toContain('permission execute=no edit=yes outside=no');
    const decisions = dataOf(events, 'permission');
    expect(decisions.map((data) => [data.toolCallId, data.decision, data.optionId])).toEqual([
      ['p-exec', 'reject', 'no'],
      ['p-edit', 'allow', 'yes'],
      ['p-outside', 'reject', 'no'],
    ]);
    expect(decisions[2]).toMatchObject({
      paths: ['/etc/passwd'],
      reason: '/etc/passwd is outside the working copy',
    });
    expect(
      events.find((event) => event.data.toolCallId === 'p-exec' && event.data.kind === 'permission')?.level,
    ).toBe('warn');
    // A call the agent asked about before announcing it is recorded as a tool call too (once).
    expect(
      events.filter((event) => event.data.toolCallId === 'p-exec' && event.data.kind === 'tool_call'),
    ).toHaveLength(1);
  });

  it('uses a given permission policy', async () => {
    const seen: string[] = [];
    const { input, events } = runInput('PERMISSION', scratch.workspace);
    const outcome = await fakeAgent({
      permissionPolicy: (request) => {
        seen.push(`${request.toolCall.kind}:${request.workspaceRoot === scratch.root}`);
        return { allow: request.toolCall.kind === 'execute', reason: 'tests may run commands' };
      },
    }).run(input);

    expect(outcome.summary).toContain('permission execute=yes edit=no outside=no');
    expect(seen).toEqual(['execute:true', 'edit:true', 'edit:true']);
    expect(dataOf(events, 'permission')[0]).toMatchObject({
      decision: 'allow',
      reason: 'tests may run commands',
    });
  });

  it('gives the agent exactly the declared environment plus its private HOME and TMPDIR', async () => {
    process.env.GOOSUKE_ACP_TEST_SECRET = 'must-not-leak';
    try {
      const { input } = runInput('ENV', scratch.workspace);
      await fakeAgent().run(input);
    } finally {
      delete process.env.GOOSUKE_ACP_TEST_SECRET;
    }
    const env = JSON.parse((await scratch.workspace.readFile('env.json')) ?? 'null');
    expect(env).toEqual({ ...baseEnv, HOME: expect.any(String), TMPDIR: expect.any(String) });
    expect(env.HOME).not.toBe(process.env.HOME);
  });
});

describe('ending', () => {
  it('cancels by session/cancel: the turn ends, the run is aborted with the reason, no process is left', async () => {
    const controller = new AbortController();
    const { input, events } = runInput('SLOW', scratch.workspace, { signal: controller.signal });
    abortOnceExists(
      path.join(scratch.root, 'slow-waiting.txt'),
      controller,
      new Error('canceled by the user'),
    );
    // From the cancel on: how long the agent took to start is not what these tests are about.
    let canceledAt = Number.POSITIVE_INFINITY;
    controller.signal.addEventListener('abort', () => {
      canceledAt = Date.now();
    });

    await expect(fakeAgent({ cancelGraceMs: 5_000 }).run(input)).rejects.toThrow('canceled by the user');

    expect(Date.now() - canceledAt).toBeLessThan(3_000);
    expect(await scratch.workspace.readFile('cancel-received.txt')).toBe('yes\n');
    expect(dataOf(events, 'cancel_ended')).toEqual([{ kind: 'cancel_ended', result: 'answered' }]);
    expect(await groupGone(startedPid(events), 0)).toBe(true);
  });

  it('kills the process group of an agent that ignores the cancel and SIGTERM', async () => {
    const controller = new AbortController();
    const { input, events } = runInput('HANG', scratch.workspace, { signal: controller.signal });
    abortOnceExists(path.join(scratch.root, 'grandchild.pid'), controller, new Error('stop'));
    // From the cancel on: how long the agent took to start is not what these tests are about.
    let canceledAt = Number.POSITIVE_INFINITY;
    controller.signal.addEventListener('abort', () => {
      canceledAt = Date.now();
    });

    await expect(fakeAgent({ cancelGraceMs: 300 }).run(input)).rejects.toThrow('stop');

    expect(Date.now() - canceledAt).toBeLessThan(5_000);
    expect(dataOf(events, 'cancel_ended')).toEqual([{ kind: 'cancel_ended', result: 'timed-out' }]);
    const grandchild = Number(await scratch.workspace.readFile('grandchild.pid'));
    expect(grandchild).toBeGreaterThan(0);
    expect(await groupGone(startedPid(events), 0)).toBe(true);
  });

  it('fails a crashed agent with its exit code and the end of its stderr', async () => {
    const { input, events } = runInput('CRASH', scratch.workspace);
    const outcome = await fakeAgent().run(input);

    expect(outcome.status).toBe('failed');
    const reason = outcome.status === 'failed' ? outcome.reason : '';
    expect(reason).toContain('exited with code 3');
    expect(reason).toContain('fake agent: something broke badly');
    expect(dataOf(events, 'agent_stderr')[0]?.text).toContain('something broke badly');
    expect(await groupGone(startedPid(events), 0)).toBe(true);
  });

  it('sets the session mode it is given when the agent offers it, and warns when it does not', async () => {
    const offered = runInput('MODE', scratch.workspace);
    const set = await fakeAgent({ sessionMode: 'autoEdit' }).run(offered.input);
    expect(summaryOf(set)).toContain('mode=autoEdit');
    expect(dataOf(offered.events, 'session_mode')).toEqual([
      { kind: 'session_mode', modeId: 'autoEdit', set: true, offered: ['default', 'autoEdit'] },
    ]);

    const missing = runInput('MODE', scratch.workspace);
    const warned = await fakeAgent({ sessionMode: 'yolo' }).run(missing.input);
    expect(warned.status).toBe('succeeded');
    expect(summaryOf(warned)).toContain('mode=default');
    expect(warned.warnings.join(' ')).toContain('offers no session mode "yolo"');
    expect(dataOf(missing.events, 'session_mode')[0]).toMatchObject({ modeId: 'yolo', set: false });
  });

  it('lets the agent go on for stopDelayMs after its turn before killing it', async () => {
    const killedAtOnce = await fakeAgent().run(runInput('LATE', scratch.workspace).input);
    expect(killedAtOnce.status).toBe('succeeded');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(existsSync(path.join(scratch.workspace.root, 'late.txt'))).toBe(false);

    const { input, events } = runInput('LATE', scratch.workspace);
    const started = Date.now();
    const waited = await fakeAgent({ stopDelayMs: 1_000 }).run(input);
    expect(waited.status).toBe('succeeded');
    expect(await scratch.workspace.readFile('late.txt')).toBe('after the turn\n');
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    expect(await groupGone(startedPid(events), 0)).toBe(true);
  });

  it('stops waiting after the turn as soon as stopWhen says the agent is done, with the stop signal asked', async () => {
    const late = path.join(scratch.workspace.root, 'late.txt');
    const asked: Array<{ home: string; sessionId: string }> = [];
    const { input, events } = runInput('LATE TERMNOTE', scratch.workspace);
    const started = Date.now();
    const outcome = await fakeAgent({
      stopDelayMs: 10_000,
      stopSignal: 'SIGKILL',
      stopWhen: async (context) => {
        asked.push(context);
        return existsSync(late);
      },
    }).run(input);
    expect(outcome.status).toBe('succeeded');
    // Done once late.txt was there (~200 ms after the turn), not after the 10 s delay.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(await scratch.workspace.readFile('late.txt')).toBe('after the turn\n');
    expect(asked.length).toBeGreaterThan(1);
    expect(asked[0]!.sessionId).toMatch(/\S/);
    expect(path.isAbsolute(asked[0]!.home)).toBe(true);
    expect(await groupGone(startedPid(events), 0)).toBe(true);
    // Killed outright: the agent never saw a SIGTERM.
    expect(existsSync(path.join(scratch.workspace.root, 'term.txt'))).toBe(false);

    // The default stop begins with SIGTERM; a stopWhen that throws counts as not done.
    const second = runInput('TERMNOTE', scratch.workspace);
    const again = await fakeAgent({
      stopDelayMs: 300,
      stopWhen: async () => {
        throw new Error('cannot tell');
      },
    }).run(second.input);
    expect(again.status).toBe('succeeded');
    expect(await scratch.workspace.readFile('term.txt')).toBe('terminated\n');
  });

  it('never records a secret of its environment that the agent prints', async () => {
    const { input, events } = runInput('CRASH', scratch.workspace);
    const secret = 'sk-test-0123456789abcdef';
    const outcome = await fakeAgent({ env: { ...baseEnv, FAKE_AGENT_KEY: secret } }).run(input);

    const reason = outcome.status === 'failed' ? outcome.reason : '';
    expect(reason).toContain('key was ***');
    expect(JSON.stringify(events)).toContain('key was ***');
    expect(JSON.stringify(events)).not.toContain(secret);
    expect(reason).not.toContain(secret);
  });

  it('fails a turn that outlasts timeLimitMs, and kills the agent', async () => {
    const { input, events } = runInput('HANG', scratch.workspace);
    const outcome = await fakeAgent({ timeLimitMs: 500 }).run(input);

    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringContaining('within 500 ms') });
    expect(await groupGone(startedPid(events), 0)).toBe(true);
  });

  it('fails an agent that never answers initialize within initializeTimeoutMs', async () => {
    const { input, events } = runInput('anything', scratch.workspace);
    const agent = fakeAgent({ env: { ...baseEnv, FAKE_AGENT_START: 'hang' }, initializeTimeoutMs: 400 });
    const outcome = await agent.run(input);

    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringContaining('starting') });
    expect(await groupGone(startedPid(events), 0)).toBe(true);
  });

  it('fails a turn the agent answers with an error', async () => {
    const { input } = runInput('FAILREQUEST', scratch.workspace);
    const outcome = await fakeAgent().run(input);
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: expect.stringMatching(/session\/prompt with an error: .*the fake model is down/),
    });
  });

  it('fails when the command cannot be started', async () => {
    const { input } = runInput('anything', scratch.workspace);
    const outcome = await createAcpAgent({
      command: path.join(scratch.dir, 'no-such-agent'),
      unsafeNoSandbox: true,
    }).run(input);
    expect(outcome).toMatchObject({ status: 'failed', reason: expect.stringContaining('could not start') });
  });

  it('needs a working copy', async () => {
    const { input } = runInput('anything', undefined);
    expect(await fakeAgent().run(input)).toMatchObject({
      status: 'failed',
      reason: expect.stringContaining('needs a working copy'),
    });
  });

  it('throws at once when already aborted', async () => {
    const { input } = runInput('anything', scratch.workspace, {
      signal: AbortSignal.abort(new Error('early')),
    });
    await expect(fakeAgent().run(input)).rejects.toThrow('early');
  });
});

describe('options', () => {
  it.each<[string, AcpAgentOptions, RegExp]>([
    ['an empty command', { command: '' }, /command must be/],
    ['a relative command path', { command: './agent' }, /absolute path or a bare name/],
    ['a bare name without env.PATH', { command: 'gemini' }, /no PATH/],
    ['non-string args', { command: '/bin/agent', args: [1 as unknown as string] }, /args/],
    ['a non-string env value', { command: '/bin/agent', env: { A: 1 as unknown as string } }, /env\.A/],
    ['a bad env name', { command: '/bin/agent', env: { 'A=B': 'x' } }, /valid variable name/],
    ['a negative grace', { command: '/bin/agent', cancelGraceMs: -1 }, /cancelGraceMs/],
    ['a zero time limit', { command: '/bin/agent', timeLimitMs: 0 }, /timeLimitMs/],
    [
      'a non-function policy',
      { command: '/bin/agent', permissionPolicy: 'yes' as never },
      /permissionPolicy/,
    ],
  ])('refuses %s with InvalidInputError', (_, options, message) => {
    expect(() => createAcpAgent(options)).toThrow(
      expect.objectContaining({
        name: 'InvalidInputError',
        code: 'invalid_input',
        message: expect.stringMatching(message),
      }),
    );
  });
});
