import { describe, expect, it } from 'vitest';
import { GoosukeError, ProviderError } from '../errors/index.ts';
import type { Generation, ToolCall } from '../ports/language-model.ts';
import { createScriptedLanguageModel } from '../testing/index.ts';
import {
  type AgentTool,
  canonicalJson,
  createToolLoopState,
  generateWithTools,
  type ToolLoopEvent,
  type ToolLoopLimits,
  toolLoopDefaults,
} from './tool-loop.ts';

const usage = { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 };
const calling = (...toolCalls: ToolCall[]): Generation => ({
  text: '',
  toolCalls,
  usage,
  finishReason: 'tool-calls',
});
const call = (id: string, name: string, args: Record<string, unknown> = {}): ToolCall => ({
  id,
  name,
  arguments: args as ToolCall['arguments'],
});

function adder(): AgentTool & { seen: unknown[] } {
  const seen: unknown[] = [];
  return {
    seen,
    kind: 'mcp',
    origin: { extension: 'math', tool: 'add' },
    spec: { name: 'math__add', description: 'Adds', inputSchema: { type: 'object' } },
    async call(args) {
      seen.push(args);
      return { text: String(Number(args.a) + Number(args.b)), isError: false };
    },
  };
}

async function loop(options: {
  replies: Array<string | Generation>;
  tools: AgentTool[];
  limits?: Partial<ToolLoopLimits>;
}) {
  const model = createScriptedLanguageModel({
    replies: options.replies.map((reply) => (typeof reply === 'string' ? reply : () => reply)),
  });
  const events: ToolLoopEvent[] = [];
  const generations: Generation[] = [];
  const state = createToolLoopState();
  const result = await generateWithTools({
    model,
    request: { system: 'sys', messages: [{ role: 'user', content: 'What is 20 + 22?' }] },
    tools: options.tools,
    limits: { ...toolLoopDefaults, ...options.limits },
    state,
    onGeneration: async (generation) => {
      generations.push(generation);
    },
    emit: async (event) => {
      events.push(event);
    },
  });
  return { model, events, generations, state, result };
}

describe('generateWithTools', () => {
  it('runs the calls the model asks for and sends the results back until it answers', async () => {
    const tool = adder();
    const { model, events, generations, result } = await loop({
      replies: [calling(call('c1', 'math__add', { a: 20, b: 22 })), 'It is 42.'],
      tools: [tool],
    });
    expect(result.generation.text).toBe('It is 42.');
    expect(tool.seen).toEqual([{ a: 20, b: 22 }]);
    expect(generations).toHaveLength(2);
    expect(model.calls[0]?.tools?.map((spec) => spec.name)).toEqual(['math__add']);
    expect(model.calls[1]?.messages).toEqual([
      { role: 'user', content: 'What is 20 + 22?' },
      { role: 'assistant', content: '', toolCalls: [call('c1', 'math__add', { a: 20, b: 22 })] },
      { role: 'tool', toolCallId: 'c1', name: 'math__add', content: '42', isError: false },
    ]);
    expect(result.messages).toEqual(model.calls[1]?.messages);
    expect(events.map((event) => event.data.kind)).toEqual(['tool_call', 'tool_call_update']);
    expect(events[0]?.data).toMatchObject({
      toolCallId: 'c1',
      toolKind: 'mcp',
      title: 'math: add',
      extension: 'math',
      tool: 'add',
      status: 'in_progress',
      arguments: '{"a":20,"b":22}',
    });
    expect(events[1]?.data).toMatchObject({ status: 'completed', result: '42' });
  });

  it('is one plain call without tools', async () => {
    const { model, result } = await loop({ replies: ['Hello'], tools: [] });
    expect(result.generation.text).toBe('Hello');
    expect(model.calls[0]?.tools).toBeUndefined();
  });

  it('turns a tool failure, a thrown GoosukeError and an unknown tool into error results the model reads', async () => {
    const failing: AgentTool = {
      kind: 'mcp',
      origin: { extension: 'srv', tool: 'broken' },
      spec: { name: 'srv__broken', description: '', inputSchema: { type: 'object' } },
      call: async () => {
        throw new ProviderError('mcp', 'the MCP server "srv" exited (code 3)');
      },
    };
    const refusing: AgentTool = {
      ...failing,
      spec: { ...failing.spec, name: 'srv__refuse' },
      call: async () => ({ text: 'bad arguments', isError: true }),
    };
    const { model, events } = await loop({
      replies: [
        calling(call('a', 'srv__broken'), call('b', 'srv__refuse'), call('c', 'nope')),
        'Done anyway.',
      ],
      tools: [failing, refusing],
    });
    const results = model.calls[1]!.messages.filter((message) => message.role === 'tool');
    expect(results).toEqual([
      expect.objectContaining({ toolCallId: 'a', isError: true, content: expect.stringMatching(/exited/) }),
      expect.objectContaining({ toolCallId: 'b', isError: true, content: 'bad arguments' }),
      expect.objectContaining({
        toolCallId: 'c',
        isError: true,
        content: expect.stringMatching(/no tool named nope.*srv__broken, srv__refuse/),
      }),
    ]);
    expect(events.filter((event) => event.data.status === 'failed')).toHaveLength(2);
  });

  it('lets a canceled call end the loop', async () => {
    const canceled: AgentTool = {
      ...adder(),
      call: async () => {
        throw new GoosukeError('canceled', 'the call was canceled');
      },
    };
    await expect(
      loop({ replies: [calling(call('a', 'math__add', { a: 1, b: 2 })), 'x'], tools: [canceled] }),
    ).rejects.toMatchObject({ code: 'canceled' });
  });

  it('stops tool use when the model repeats a call, and asks for an answer without tools', async () => {
    const tool = adder();
    const { model, events, state, result } = await loop({
      replies: [
        calling(call('c1', 'math__add', { a: 1, b: 2 })),
        calling(call('c2', 'math__add', { b: 2, a: 1 })),
        'It is 3.',
      ],
      tools: [tool],
    });
    expect(tool.seen).toHaveLength(1);
    expect(state.stopped).toMatch(/called math__add again with the same arguments/);
    expect(events.at(-1)).toMatchObject({ level: 'warn', data: { kind: 'tool_loop_stopped' } });
    const last = model.calls[2]!;
    expect(last.tools).toBeUndefined();
    // Plain text only: no tool blocks are left for a request without tool definitions.
    expect(last.messages.every((message) => message.role === 'user' || message.role === 'assistant')).toBe(
      true,
    );
    expect(last.messages.some((message) => 'toolCalls' in message)).toBe(false);
    expect(last.messages.at(-1)).toMatchObject({
      role: 'user',
      content: expect.stringMatching(/Tool use is over/),
    });
    expect(last.messages.map((message) => message.content).join('\n')).toMatch(/\[result of math__add\]\n3/);
    expect(result.generation.text).toBe('It is 3.');
  });

  it.each([
    ['turns', { maxTurns: 2 }, /2 model turns/],
    ['tool calls', { maxToolCalls: 3 }, /3 tool calls/],
    ['tokens', { maxTokens: 250 }, /250 tokens/],
  ] as const)('stops at the limit of %s', async (_name, limits, reason) => {
    let n = 0;
    const next = () =>
      calling(call(`c${++n}`, 'math__add', { a: n, b: 0 }), call(`d${n}`, 'math__add', { a: n, b: 1 }));
    const { state, model } = await loop({
      replies: [next(), next(), next(), next(), 'Enough.'],
      tools: [adder()],
      limits,
    });
    expect(state.stopped).toMatch(reason);
    expect(model.calls.at(-1)?.tools).toBeUndefined();
    const bound: Partial<ToolLoopLimits> = limits;
    expect(state.calls).toBeLessThanOrEqual(bound.maxToolCalls ?? Number.POSITIVE_INFINITY);
  });

  it('cuts a long result and says so', async () => {
    const long: AgentTool = { ...adder(), call: async () => ({ text: 'x'.repeat(50), isError: false }) };
    const { model } = await loop({
      replies: [calling(call('c1', 'math__add')), 'ok'],
      tools: [long],
      limits: { maxResultChars: 10 },
    });
    const result = model.calls[1]!.messages.at(-1)!;
    expect(result.content).toBe(`${'x'.repeat(10)}\n[cut: the result has 50 characters; ask for less]`);
  });

  it('compares arguments whatever their key order', () => {
    expect(canonicalJson({ b: 1, a: { d: 2, c: [3, { f: 1, e: 0 }] } })).toBe(
      '{"a":{"c":[3,{"e":0,"f":1}],"d":2},"b":1}',
    );
  });
});
