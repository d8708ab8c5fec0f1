import { describe, expect, it } from 'vitest';
import type { ModelCapabilities, RunEvent } from '../domain/index.ts';
import { type EditFormat, InvalidInputError, ProviderError } from '../index.ts';
import type { AgentInput, GenerateOptions, Generation } from '../ports/index.ts';
import {
  buildMessage,
  createMemoryWorkspace,
  createScriptedLanguageModel,
  type MemoryWorkspace,
  type ScriptedReply,
} from '../testing/index.ts';
import { createEditAgent, type EditAgentOptions } from './edit-agent.ts';
import { editExampleFiles, editFormatExamples } from './edit-prompts.ts';

const cart = `export interface Item {
  sku: string;
  price: number;
  quantity: number;
}

export class Cart {
  private items: Item[] = [];

  add(item: Item): void {
    this.items.push(item);
  }

  total(): number {
    return this.items.reduce((sum, each) => sum + each.price * each.quantity, 0);
  }
}
`;

const project = {
  'src/cart.ts': cart,
  'src/format.ts': 'export function formatPrice(cents: number): string {\n  return String(cents);\n}\n',
  'README.md': '# Shop\n',
  '.env': 'API_KEY=sk-very-secret-value\n',
};

const goodReply = `\`total\` now ignores items with a negative quantity.

src/cart.ts
\`\`\`ts
<<<<<<< SEARCH
    return this.items.reduce((sum, each) => sum + each.price * each.quantity, 0);
=======
    return this.items
      .filter((each) => each.quantity > 0)
      .reduce((sum, each) => sum + each.price * each.quantity, 0);
>>>>>>> REPLACE
\`\`\``;

const expectedCart = cart.replace(
  '    return this.items.reduce((sum, each) => sum + each.price * each.quantity, 0);\n',
  '    return this.items\n      .filter((each) => each.quantity > 0)\n      .reduce((sum, each) => sum + each.price * each.quantity, 0);\n',
);

/** Wrong context: the model remembers `total` differently. */
const damagedReply = `Fixed the total.

src/cart.ts
\`\`\`ts
<<<<<<< SEARCH
  total(): number {
    return this.items.reduce((acc, item) => acc + item.price * item.qty, 0);
  }
=======
  total(): number {
    return 0;
  }
>>>>>>> REPLACE
\`\`\``;

type Emitted = Pick<RunEvent, 'type' | 'level' | 'message' | 'data'>;

interface Setup {
  workspace: MemoryWorkspace;
  model: ReturnType<typeof createScriptedLanguageModel>;
  events: Emitted[];
  input: AgentInput;
}

function setup(
  replies: ScriptedReply[],
  options: {
    capabilities?: Partial<ModelCapabilities>;
    files?: Record<string, string>;
    instruction?: string;
    history?: AgentInput['history'];
    signal?: AbortSignal;
    delayMs?: number;
    provider?: string;
    modelId?: string;
  } = {},
): Setup {
  const workspace = createMemoryWorkspace(options.files ?? project);
  const model = createScriptedLanguageModel({
    provider: options.provider ?? 'anthropic',
    modelId: options.modelId ?? 'claude-sonnet-4-5',
    capabilities: options.capabilities ?? {},
    replies,
    ...(options.delayMs === undefined ? {} : { delayMs: options.delayMs }),
  });
  const events: Emitted[] = [];
  const instruction = options.instruction ?? 'Make Cart.total ignore items with a negative quantity.';
  const input: AgentInput = {
    instruction,
    history: options.history ?? [buildMessage({ role: 'user', content: instruction })],
    workspace,
    emit: async (event) => {
      events.push(event);
    },
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  };
  return { workspace, model, events, input };
}

function agentFor(model: Setup['model'], options: Omit<EditAgentOptions, 'model'> = {}) {
  return createEditAgent({ model, ...options });
}

function generation(text: string, overrides: Partial<Generation> = {}): Generation {
  return {
    text,
    toolCalls: [],
    usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 },
    finishReason: 'stop',
    ...overrides,
  };
}

const lastMessage = (request: { messages: Array<{ content: string }> }) => request.messages.at(-1)!.content;

describe('createEditAgent', () => {
  it('applies the first reply, writes the files and summarizes with the reply prose', async () => {
    const { workspace, model, events, input } = setup([goodReply]);
    const outcome = await agentFor(model).run(input);
    expect(outcome).toEqual({
      status: 'succeeded',
      summary: '`total` now ignores items with a negative quantity.',
      usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0, costUsd: null },
      warnings: [],
    });
    expect(workspace.snapshot()['src/cart.ts']).toBe(expectedCart);
    expect(model.calls).toHaveLength(1);
    const request = model.calls[0]!;
    expect(request.system).toContain('Edit format: SEARCH/REPLACE blocks');
    expect(request.temperature).toBe(0);
    // claude-sonnet-4-5 may write 64k tokens; the agent asks for at most 16k.
    expect(request.maxOutputTokens).toBe(16_000);
    const prompt = lastMessage(request);
    expect(prompt).toContain(`src/cart.ts\n\`\`\`ts\n${cart}\`\`\``);
    expect(prompt.endsWith(`Instruction:\n${input.instruction}`)).toBe(true);
    expect(prompt).not.toContain('sk-very-secret-value');
    const applied = events.at(-1)!;
    expect(applied).toMatchObject({
      type: 'run-log',
      level: 'info',
      data: { files: [{ path: 'src/cart.ts', operation: 'modify', tiers: ['exact'] }] },
    });
  });

  it('logs the chosen context first', async () => {
    const { model, events, input } = setup([goodReply]);
    await agentFor(model).run(input);
    expect(events[0]).toMatchObject({ type: 'run-log', level: 'info' });
    const report = events[0]!.data as { included: Array<{ path: string; reason: string }>; skipped: object };
    expect(report.included[0]).toEqual({ path: 'src/cart.ts', reason: 'file name matches Cart' });
    expect(report.skipped).toEqual({ binary: 0, tooLarge: 0, forbidden: 1 });
  });

  it('reports a damaged edit with the closest region and succeeds with the corrected reply', async () => {
    const { workspace, model, input } = setup([damagedReply, goodReply]);
    const outcome = await agentFor(model).run(input);
    expect(outcome.status).toBe('succeeded');
    expect(model.calls).toHaveLength(2);
    const retry = model.calls[1]!;
    expect(retry.messages).toHaveLength(3);
    expect(retry.messages[1]).toEqual({ role: 'assistant', content: damagedReply });
    const report = lastMessage(retry);
    expect(report).toContain('src/cart.ts, hunk 1: not-found');
    expect(report).toContain('Closest region in the file (lines 14-16, 73% similar):');
    expect(report).toContain(
      '  14 |   total(): number {\n  15 |     return this.items.reduce((sum, each) => sum + each.price * each.quantity, 0);\n  16 |   }',
    );
    expect(report).toContain('none of them was applied');
    expect(report).toContain('Send the complete set of edits again');
    expect(workspace.snapshot()['src/cart.ts']).toBe(expectedCart);
  });

  it('fails after maxAttempts replies that do not apply, leaving the workspace untouched', async () => {
    const { workspace, model, events, input } = setup([damagedReply, damagedReply, damagedReply]);
    const outcome = await agentFor(model).run(input);
    expect(outcome).toMatchObject({
      status: 'failed',
      summary: 'Fixed the total.',
      usage: { inputTokens: 300, outputTokens: 60, cachedInputTokens: 0, costUsd: null },
    });
    expect(outcome.status === 'failed' && outcome.reason).toMatch(
      /^the edits did not apply after 3 attempts: src\/cart\.ts, hunk 1: /,
    );
    expect(model.calls).toHaveLength(3);
    // Each retry carries only the latest failed reply and its report, so prompts do not grow.
    const [first, second, third] = model.calls as [GenerateOptions, GenerateOptions, GenerateOptions];
    expect(second.messages).toHaveLength(first.messages.length + 2);
    expect(third.messages).toHaveLength(second.messages.length);
    expect(workspace.snapshot()).toEqual(project);
    expect(events.filter((event) => event.level === 'warn')).toHaveLength(3);
    expect(events.at(-1)!.message).not.toContain('asking the model again');
  });

  it('honours maxAttempts', async () => {
    const { model, input } = setup([damagedReply, goodReply]);
    const outcome = await agentFor(model, { maxAttempts: 1 }).run(input);
    expect(outcome.status === 'failed' && outcome.reason).toMatch(
      /^the edits did not apply after 1 attempt: /,
    );
    expect(model.calls).toHaveLength(1);
  });

  it('refuses an edit of a forbidden path, reports it and applies nothing of that reply', async () => {
    const sneaky = `${goodReply}\n\n.env\n\`\`\`\n<<<<<<< SEARCH\nAPI_KEY=sk-very-secret-value\n=======\nAPI_KEY=stolen\n>>>>>>> REPLACE\n\`\`\``;
    const { workspace, model, input } = setup([
      sneaky,
      (request) => {
        // Nothing of the refused reply was written.
        expect(workspace.snapshot()).toEqual(project);
        expect(lastMessage(request)).toContain(
          '.env: forbidden-path\n  the path ".env" is forbidden (matches ".env*")',
        );
        expect(lastMessage(request)).toContain('Forbidden paths must not be edited at all');
        return goodReply;
      },
    ]);
    const outcome = await agentFor(model).run(input);
    expect(outcome.status).toBe('succeeded');
    expect(workspace.snapshot()['.env']).toBe(project['.env']);
    expect(workspace.snapshot()['src/cart.ts']).toBe(expectedCart);
    expect(model.calls[0]!.system).toContain('.env*');
  });

  it('fails when no reply holds an edit', async () => {
    const { workspace, model, input } = setup(['Looks fine to me.', 'I still think it is fine.', 'Fine.']);
    const outcome = await agentFor(model).run(input);
    expect(outcome).toMatchObject({
      status: 'failed',
      reason: "the model's reply contained no edits after 3 attempts",
      summary: 'Fine.',
    });
    expect(lastMessage(model.calls[1]!)).toContain('Your reply contained no edits that could be read');
    expect(workspace.snapshot()).toEqual(project);
    const single = setup(['No edits here.']);
    const once = await agentFor(single.model, { maxAttempts: 1 }).run(single.input);
    expect(once.status === 'failed' && once.reason).toBe("the model's reply contained no edits");
  });

  it('never applies a reply cut off at the output limit, and asks for smaller edits', async () => {
    const { workspace, model, input } = setup(
      [
        () => generation(goodReply, { finishReason: 'length' }),
        (request) => {
          expect(workspace.snapshot()).toEqual(project);
          expect(lastMessage(request)).toContain('cut off at the output limit (1000 tokens)');
          expect(lastMessage(request)).toContain('fewer and smaller edits');
          return goodReply;
        },
      ],
      {},
    );
    const outcome = await agentFor(model, { maxOutputTokens: 1_000 }).run(input);
    expect(outcome.status).toBe('succeeded');
    expect(model.calls.map((call) => call.maxOutputTokens)).toEqual([1_000, 1_000]);
    const cut = setup([() => generation('src/cart.ts\n<<<<<<< SEARCH\n  total', { finishReason: 'length' })]);
    const failed = await agentFor(cut.model, { maxAttempts: 1 }).run(cut.input);
    expect(failed.status === 'failed' && failed.reason).toBe(
      "the model's reply was cut off at the output limit (16000 tokens) after 1 attempt",
    );
  });

  it('applies nothing when part of a reply cannot be read, and says which line', async () => {
    const broken = `${goodReply}\n\nsrc/format.ts\n<<<<<<< SEARCH\n  return String(cents);\n`;
    const { workspace, model, input } = setup([
      broken,
      (request) => {
        expect(workspace.snapshot()).toEqual(project);
        expect(lastMessage(request)).toContain('could not be read, so nothing was applied:');
        expect(lastMessage(request)).toMatch(
          /- line \d+ \(src\/format\.ts\): SEARCH block without its ======= divider/,
        );
        return goodReply;
      },
    ]);
    const outcome = await agentFor(model).run(input);
    expect(outcome.status).toBe('succeeded');
    expect(model.calls).toHaveLength(2);
  });

  it('sums usage over calls and emits run-tokens after every call, in order', async () => {
    const { model, events, input } = setup([
      () =>
        generation(damagedReply, { usage: { inputTokens: 1_000, outputTokens: 50, cachedInputTokens: 10 } }),
      () =>
        generation(goodReply, { usage: { inputTokens: 1_500, outputTokens: 70, cachedInputTokens: 900 } }),
    ]);
    const outcome = await agentFor(model).run(input);
    expect(outcome.usage).toEqual({
      inputTokens: 2_500,
      outputTokens: 120,
      cachedInputTokens: 910,
      costUsd: null,
    });
    expect(events.map((event) => `${event.type}:${event.level}`)).toEqual([
      'run-log:info',
      'run-tokens:info',
      'run-log:info',
      'run-log:warn',
      'run-tokens:info',
      'run-log:info',
      'run-log:info',
    ]);
    const tokens = events.filter((event) => event.type === 'run-tokens').map((event) => event.data);
    expect(tokens).toEqual([
      {
        call: { inputTokens: 1_000, outputTokens: 50, cachedInputTokens: 10 },
        total: { inputTokens: 1_000, outputTokens: 50, cachedInputTokens: 10, costUsd: null },
      },
      {
        call: { inputTokens: 1_500, outputTokens: 70, cachedInputTokens: 900 },
        total: { inputTokens: 2_500, outputTokens: 120, cachedInputTokens: 910, costUsd: null },
      },
    ]);
  });

  it('warns when a block matched fuzzily', async () => {
    // A context line the model misremembers (`itme`) still locates the block, fuzzily; the file keeps its own line.
    const fuzzy = goodReply
      .replace(
        '<<<<<<< SEARCH\n',
        '<<<<<<< SEARCH\n  add(item: Item): void {\n    this.items.push(itme);\n  }\n\n  total(): number {\n',
      )
      .replace(
        '=======\n',
        '=======\n  add(item: Item): void {\n    this.items.push(itme);\n  }\n\n  total(): number {\n',
      );
    const { workspace, model, events, input } = setup([fuzzy]);
    const outcome = await agentFor(model).run(input);
    expect(outcome).toMatchObject({
      status: 'succeeded',
      warnings: ['src/cart.ts: block 1 matched fuzzily'],
    });
    expect(workspace.snapshot()['src/cart.ts']).toBe(expectedCart);
    expect(events.at(-1)).toMatchObject({ level: 'warn', data: { files: [{ tiers: ['fuzzy'] }] } });
  });

  it('succeeds with a warning when the edits are already in place', async () => {
    const { workspace, model, input } = setup([goodReply], {
      files: { ...project, 'src/cart.ts': expectedCart },
    });
    const outcome = await agentFor(model).run(input);
    expect(outcome).toMatchObject({ status: 'succeeded', warnings: ['no changes were needed'] });
    expect(workspace.snapshot()['src/cart.ts']).toBe(expectedCart);
  });

  it('falls back to a count of edited files when the reply has no prose', async () => {
    const bare = goodReply.slice(goodReply.indexOf('src/cart.ts'));
    const { model, input } = setup([bare]);
    const outcome = await agentFor(model).run(input);
    expect(outcome).toMatchObject({ status: 'succeeded', summary: 'Edited 1 file' });
  });

  it.each<EditFormat>(['search-replace', 'unified-diff', 'apply-patch', 'whole-file'])(
    'asks for %s edits when the model prefers them, and applies the example reply',
    async (format) => {
      const { workspace, model, input } = setup([editFormatExamples[format]], {
        files: { ...editExampleFiles },
        capabilities: { preferredEditFormat: format },
        instruction: 'End the greeting with an exclamation mark and add a farewell function.',
      });
      const outcome = await agentFor(model).run(input);
      expect(outcome.status).toBe('succeeded');
      expect(model.calls[0]!.system).toContain(editFormatExamples[format]);
      expect(Object.keys(workspace.snapshot())).toEqual(['src/farewell.ts', 'src/greet.ts']);
    },
  );

  it('passes the conversation as chat messages and says the files are the current state', async () => {
    const history = [
      buildMessage({ role: 'user', content: 'Add a Cart class' }),
      buildMessage({ role: 'assistant', content: 'Added the Cart class in src/cart.ts.' }),
      buildMessage({ role: 'user', content: 'Make Cart.total ignore negative quantities.' }),
    ];
    const { model, input } = setup([goodReply], {
      history,
      instruction: 'Make Cart.total ignore negative quantities.',
    });
    await agentFor(model).run(input);
    const messages = model.calls[0]!.messages;
    expect(messages.slice(0, 2)).toEqual([
      { role: 'user', content: 'Add a Cart class' },
      { role: 'assistant', content: 'Added the Cart class in src/cart.ts.' },
    ]);
    expect(messages).toHaveLength(3);
    expect(messages[2]!.role).toBe('user');
    expect(messages[2]!.content).toContain(
      'current state of the repository, including the changes made for the earlier messages',
    );
    expect(messages[2]!.content.endsWith('Instruction:\nMake Cart.total ignore negative quantities.')).toBe(
      true,
    );
  });

  it('omits the temperature for models that refuse it', async () => {
    const { model, input } = setup([goodReply], { provider: 'openai', modelId: 'gpt-5.1' });
    await agentFor(model).run(input);
    expect(model.calls[0]!).not.toHaveProperty('temperature');
    // gpt-5.1 prefers apply_patch.
    expect(model.calls[0]!.system).toContain('Edit format: an apply_patch envelope');
  });

  it('keeps the file contents within contextTokens', async () => {
    const files: Record<string, string> = { 'src/cart.ts': cart };
    for (let index = 0; index < 20; index++)
      files[`src/other${index}.ts`] = `// Cart helper ${index}\n${'x'.repeat(4_000)}\n`;
    const { model, input } = setup([goodReply], { files });
    await agentFor(model, { contextTokens: 3_000 }).run(input);
    const prompt = lastMessage(model.calls[0]!);
    const shown = [...prompt.matchAll(/^src\/other\d+\.ts$/gm)].length;
    expect(shown).toBeLessThanOrEqual(2);
    expect(prompt).toContain(`src/cart.ts\n\`\`\`ts\n${cart}`);
    expect(prompt).toMatch(/^src\/: .*other\d+\.ts/m);
  });

  it('throws the abort reason when aborted before or during a call, writing nothing', async () => {
    const before = new AbortController();
    const reason = new Error('run canceled');
    before.abort(reason);
    const early = setup([goodReply], { signal: before.signal });
    await expect(agentFor(early.model).run(early.input)).rejects.toBe(reason);
    expect(early.model.calls).toHaveLength(0);

    const during = new AbortController();
    const late = setup([goodReply], { signal: during.signal, delayMs: 60_000 });
    const running = agentFor(late.model).run(late.input);
    await expect.poll(() => late.model.calls.length).toBe(1);
    during.abort(reason);
    await expect(running).rejects.toBe(reason);
    expect(late.workspace.snapshot()).toEqual(project);
    expect(late.model.calls[0]!.signal).toBe(during.signal);
  });

  it('lets a ProviderError through', async () => {
    const { model, input } = setup([
      () => {
        throw new ProviderError('anthropic', 'the API key was refused', { status: 401 });
      },
    ]);
    await expect(agentFor(model).run(input)).rejects.toBeInstanceOf(ProviderError);
  });

  it('fails without a workspace and refuses bad options', async () => {
    const { model, input } = setup([goodReply]);
    const { workspace: _unused, ...withoutWorkspace } = input;
    const outcome = await agentFor(model).run(withoutWorkspace);
    expect(outcome).toMatchObject({ status: 'failed', usage: null });
    expect(model.calls).toHaveLength(0);
    expect(() => agentFor(model, { maxAttempts: 0 })).toThrow(InvalidInputError);
    expect(() => agentFor(model, { contextTokens: -1 })).toThrow(InvalidInputError);
    expect(() => agentFor(model, { maxOutputTokens: 1.5 })).toThrow(InvalidInputError);
    expect(() => createEditAgent({} as EditAgentOptions)).toThrow(InvalidInputError);
  });
});
