// The three wires the agents speak, as the fake model needs them: where the turn stands in a
// request (the last user prompt, how many tool calls the agent made since, the tools offered),
// each scripted step as the agent's own tool call, and replies, usage and errors in the wire's
// shape (Anthropic Messages SSE, OpenAI Responses SSE, Gemini streamGenerateContent SSE).
import type { ReplyUsage, ScriptStep } from './fake-model-script.ts';

export type WireName = 'anthropic' | 'openai-responses' | 'gemini';

/** Where a turn stands, read from one request. */
export interface TurnState {
  /** The text of the last user prompt (not a tool result). */
  prompt: string;
  /** Tool calls the model made since that prompt. */
  step: number;
  /** The names of the tools the request offers. */
  tools: string[];
  /**
   * Tool calls the model made before that prompt: an earlier turn's, which a request carries only
   * when the agent continues a session (a loaded one, or the same process's).
   */
  earlierToolCalls: number;
  /** The texts of the user prompts before that prompt (not tool results), oldest first. */
  earlierPrompts: string[];
  /** The tool results the agent sent back since that prompt, as text (JSON where not text), in order. */
  toolResults: string[];
}

/**
 * A tool call in the wire's naming (`namespace`: the Responses namespace holding the tool, as
 * Codex offers MCP tools), or why the step cannot be made with the tools offered.
 */
export type WireCall =
  | { name: string; input: Record<string, unknown> | string; namespace?: string }
  | { problem: string };

/** The model's reply to one request: text, or one tool call. */
export type WireReply =
  | { kind: 'text'; text: string }
  | { kind: 'tool'; name: string; input: unknown; namespace?: string };

export interface FakeWire {
  readonly name: WireName;
  turn(body: Record<string, unknown>): TurnState;
  /** Whether the agent must read a file before its edit tool takes it (Claude Code's built-in Edit). */
  readFirst(tools: readonly string[]): boolean;
  call(
    step: Exclude<ScriptStep, { kind: 'text' }>,
    tools: readonly string[],
    body: Record<string, unknown>,
  ): WireCall;
  /** SSE frames of a streamed reply (each ends with its blank line). */
  sse(reply: WireReply, usage: ReplyUsage, model: string, id: string): string[];
  /** A reply as one JSON body. */
  json(reply: WireReply, usage: ReplyUsage, model: string, id: string): unknown;
  /** An error body of the wire for `status`. */
  error(status: number, message: string): unknown;
  /** The API key the request presents (after the gateway: the real one). */
  key(headers: Record<string, string | string[] | undefined>): string | undefined;
}

type Json = Record<string, unknown>;
const isRecord = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const array = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const header = (value: string | string[] | undefined) => (Array.isArray(value) ? value[0] : value);
const frame = (event: string | null, data: unknown) =>
  `${event === null ? '' : `event: ${event}\n`}data: ${JSON.stringify(data)}\n\n`;

/** A tool result's content as text: its text parts, else its JSON. */
function resultText(content: unknown): string {
  const text = textOf(content);
  return text !== '' || typeof content === 'string' ? text : JSON.stringify(content ?? null);
}

/**
 * The tool an `mcp` step calls, as the agent names it: the first offered name that ends with the
 * server's tool and contains the server's name (`mcp__facts__add`, `mcp_facts_add`).
 */
function mcpToolName(step: Extract<ScriptStep, { kind: 'mcp' }>, tools: readonly string[]): WireCall {
  const name = tools.find((candidate) => candidate.endsWith(step.tool) && candidate.includes(step.server));
  return name === undefined
    ? { problem: `no tool ${step.tool} of the MCP server ${step.server} among ${tools.join(', ')}` }
    : { name, input: { ...step.input } };
}

/** Index of the last element matching `test`, or -1. */
function lastIndex<T>(items: readonly T[], test: (item: T) => boolean): number {
  for (let index = items.length - 1; index >= 0; index--) if (test(items[index]!)) return index;
  return -1;
}

/** The texts of a list of content parts or blocks (`text`, `input_text`, plain strings). */
function textOf(content: unknown): string {
  if (typeof content === 'string') return content;
  return array(content)
    .map((part) =>
      typeof part === 'string' ? part : isRecord(part) && typeof part.text === 'string' ? part.text : '',
    )
    .join('\n');
}

// ---------------------------------------------------------------- Anthropic Messages (Claude Code)

const anthropicBlocks = (message: unknown): Json[] =>
  isRecord(message) ? array(message.content).filter(isRecord) : [];

export const anthropicWire: FakeWire = {
  name: 'anthropic',
  turn(body) {
    const messages = array(body.messages).filter(isRecord);
    // A user message holding tool results answers the model; any other is a prompt.
    const prompt = lastIndex(
      messages,
      (message) =>
        message.role === 'user' && !anthropicBlocks(message).some((block) => block.type === 'tool_result'),
    );
    const isPrompt = (message: Json) =>
      message.role === 'user' && !anthropicBlocks(message).some((block) => block.type === 'tool_result');
    const earlier = prompt === -1 ? [] : messages.slice(0, prompt);
    return {
      prompt: prompt === -1 ? '' : textOf(messages[prompt]!.content),
      step: messages.slice(prompt + 1).filter((message) => message.role === 'assistant').length,
      tools: array(body.tools)
        .filter(isRecord)
        .map((tool) => String(tool.name)),
      earlierToolCalls: earlier
        .filter((message) => message.role === 'assistant')
        .flatMap(anthropicBlocks)
        .filter((block) => block.type === 'tool_use').length,
      earlierPrompts: earlier.filter(isPrompt).map((message) => textOf(message.content)),
      toolResults: messages
        .slice(prompt + 1)
        .filter((message) => message.role === 'user')
        .flatMap(anthropicBlocks)
        .filter((block) => block.type === 'tool_result')
        .map((block) => resultText(block.content)),
    };
  },
  // With the client's fs capability the adapter offers mcp__acp__Edit, which needs no Read.
  readFirst: (tools) => !tools.includes('mcp__acp__Edit') && tools.includes('Edit'),
  call(step, tools) {
    if (step.kind === 'mcp') return mcpToolName(step, tools);
    const pick = (...names: string[]) => names.find((name) => tools.includes(name));
    let name: string | undefined;
    let input: Json;
    switch (step.kind) {
      case 'read':
        name = pick('mcp__acp__Read', 'Read');
        input = { file_path: step.path };
        break;
      case 'edit':
        name = pick('mcp__acp__Edit', 'Edit');
        input = { file_path: step.path, old_string: step.oldText, new_string: step.newText };
        break;
      case 'write':
        name = pick('mcp__acp__Write', 'Write');
        input = { file_path: step.path, content: step.content };
        break;
      case 'shell':
        name = pick('Bash');
        input = { command: step.command, description: 'Install a package' };
        break;
    }
    return name === undefined
      ? { problem: `no tool for a ${step.kind} among ${tools.join(', ')}` }
      : { name, input };
  },
  sse(reply, usage, model, id) {
    const block =
      reply.kind === 'text'
        ? { start: { type: 'text', text: '' }, delta: { type: 'text_delta', text: reply.text } }
        : {
            start: { type: 'tool_use', id: `toolu_${id}`, name: reply.name, input: {} },
            delta: { type: 'input_json_delta', partial_json: JSON.stringify(reply.input) },
          };
    return [
      frame('message_start', {
        type: 'message_start',
        message: {
          id: `msg_${id}`,
          type: 'message',
          role: 'assistant',
          model,
          content: [],
          stop_reason: null,
          stop_sequence: null,
          usage: { input_tokens: usage.inputTokens, output_tokens: 1 },
        },
      }),
      frame('content_block_start', { type: 'content_block_start', index: 0, content_block: block.start }),
      frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: block.delta }),
      frame('content_block_stop', { type: 'content_block_stop', index: 0 }),
      frame('message_delta', {
        type: 'message_delta',
        delta: { stop_reason: reply.kind === 'text' ? 'end_turn' : 'tool_use', stop_sequence: null },
        usage: { output_tokens: usage.outputTokens },
      }),
      frame('message_stop', { type: 'message_stop' }),
    ];
  },
  json(reply, usage, model, id) {
    return {
      id: `msg_${id}`,
      type: 'message',
      role: 'assistant',
      model,
      content:
        reply.kind === 'text'
          ? [{ type: 'text', text: reply.text }]
          : [{ type: 'tool_use', id: `toolu_${id}`, name: reply.name, input: reply.input }],
      stop_reason: reply.kind === 'text' ? 'end_turn' : 'tool_use',
      stop_sequence: null,
      usage: { input_tokens: usage.inputTokens, output_tokens: usage.outputTokens },
    };
  },
  error: (_status, message) => ({ type: 'error', error: { type: 'invalid_request_error', message } }),
  key: (headers) => header(headers['x-api-key']),
};

// ------------------------------------------------------------------ OpenAI Responses (Codex)

const callItemTypes = new Set(['function_call', 'custom_tool_call', 'local_shell_call']);

/** An apply_patch envelope: `*** Update File` with whole-line hunks, or `*** Add File`. */
function patchOf(step: Extract<ScriptStep, { kind: 'edit' | 'write' }>): string {
  const lines = (text: string, mark: string) =>
    text
      .replace(/\n$/, '')
      .split('\n')
      .map((line) => `${mark}${line}`);
  const body =
    step.kind === 'edit'
      ? [`*** Update File: ${step.relative}`, '@@', ...lines(step.oldText, '-'), ...lines(step.newText, '+')]
      : [`*** Add File: ${step.path}`, ...lines(step.content, '+')];
  return ['*** Begin Patch', ...body, '*** End Patch', ''].join('\n');
}

export const responsesWire: FakeWire = {
  name: 'openai-responses',
  turn(body) {
    const input = array(body.input).filter(isRecord);
    const isPrompt = (item: Json) => (item.type ?? 'message') === 'message' && item.role === 'user';
    const prompt = lastIndex(input, isPrompt);
    const earlier = prompt === -1 ? [] : input.slice(0, prompt);
    return {
      prompt: prompt === -1 ? '' : textOf(input[prompt]!.content),
      step: input.slice(prompt + 1).filter((item) => callItemTypes.has(String(item.type))).length,
      tools: array(body.tools)
        .filter(isRecord)
        .map((tool) => String(tool.name ?? tool.type)),
      earlierToolCalls: earlier.filter((item) => callItemTypes.has(String(item.type))).length,
      earlierPrompts: earlier.filter(isPrompt).map((item) => textOf(item.content)),
      toolResults: input
        .slice(prompt + 1)
        .filter((item) => item.type === 'function_call_output' || item.type === 'custom_tool_call_output')
        .map((item) => resultText(item.output)),
    };
  },
  readFirst: () => false,
  call(step, tools, body) {
    if (step.kind === 'read') return { problem: 'Codex reads files itself' };
    if (step.kind === 'mcp') {
      // Codex offers an MCP server's tools as a namespace (`mcp__facts` holding `add`).
      for (const namespace of array(body.tools).filter(isRecord)) {
        if (namespace.type !== 'namespace' || !String(namespace.name).includes(step.server)) continue;
        const tool = array(namespace.tools)
          .filter(isRecord)
          .find((candidate) => String(candidate.name).endsWith(step.tool));
        if (tool !== undefined) {
          return { name: String(tool.name), namespace: String(namespace.name), input: { ...step.input } };
        }
      }
      return mcpToolName(step, tools);
    }
    if (step.kind === 'shell') {
      if (tools.includes('exec_command')) return { name: 'exec_command', input: { cmd: step.command } };
      if (tools.includes('shell'))
        return { name: 'shell', input: { command: ['bash', '-lc', step.command] } };
      return { problem: `no shell tool among ${tools.join(', ')}` };
    }
    const definition = array(body.tools)
      .filter(isRecord)
      .find((tool) => tool.name === 'apply_patch');
    if (definition === undefined) return { problem: `no apply_patch among ${tools.join(', ')}` };
    const patch = patchOf(step);
    // Codex offers apply_patch as a freeform (custom) tool or, for some models, as a function
    // taking `{ input }`: the call takes the shape of the definition.
    return definition.type === 'custom'
      ? { name: 'apply_patch', input: patch }
      : { name: 'apply_patch', input: { input: patch } };
  },
  sse(reply, usage, model, id) {
    const item = responsesItem(reply, id);
    const response = {
      id: `resp_${id}`,
      object: 'response',
      created_at: Math.floor(Date.now() / 1000),
      model,
    };
    const frames = [
      frame('response.created', {
        type: 'response.created',
        response: { ...response, status: 'in_progress', output: [] },
      }),
      frame('response.output_item.added', {
        type: 'response.output_item.added',
        output_index: 0,
        item: { ...item, status: 'in_progress', ...(reply.kind === 'text' ? { content: [] } : {}) },
      }),
    ];
    if (reply.kind === 'text') {
      frames.push(
        frame('response.output_text.delta', {
          type: 'response.output_text.delta',
          item_id: item.id,
          output_index: 0,
          content_index: 0,
          delta: reply.text,
        }),
      );
    }
    frames.push(
      frame('response.output_item.done', { type: 'response.output_item.done', output_index: 0, item }),
      frame('response.completed', {
        type: 'response.completed',
        response: { ...response, status: 'completed', output: [item], usage: responsesUsage(usage) },
      }),
    );
    return frames;
  },
  json(reply, usage, model, id) {
    return {
      id: `resp_${id}`,
      object: 'response',
      status: 'completed',
      model,
      output: [responsesItem(reply, id)],
      usage: responsesUsage(usage),
    };
  },
  error: (_status, message) => ({
    error: { message, type: 'invalid_request_error', param: null, code: null },
  }),
  key(headers) {
    const value = header(headers.authorization);
    return value?.startsWith('Bearer ') ? value.slice('Bearer '.length) : undefined;
  },
};

function responsesItem(reply: WireReply, id: string): Json & { id: string } {
  if (reply.kind === 'text') {
    return {
      type: 'message',
      id: `msg_${id}`,
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: reply.text, annotations: [] }],
    };
  }
  if (typeof reply.input === 'string') {
    return {
      type: 'custom_tool_call',
      id: `ctc_${id}`,
      call_id: `call_${id}`,
      name: reply.name,
      input: reply.input,
      status: 'completed',
    };
  }
  return {
    type: 'function_call',
    id: `fc_${id}`,
    call_id: `call_${id}`,
    name: reply.name,
    ...(reply.namespace === undefined ? {} : { namespace: reply.namespace }),
    arguments: JSON.stringify(reply.input),
    status: 'completed',
  };
}

function responsesUsage(usage: ReplyUsage): Json {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: 0 },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: 0 },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}

// ------------------------------------------------------------------------ Gemini (Gemini CLI)

const geminiParts = (content: unknown): Json[] =>
  isRecord(content) ? array(content.parts).filter(isRecord) : [];

export const geminiWire: FakeWire = {
  name: 'gemini',
  turn(body) {
    const contents = array(body.contents).filter(isRecord);
    const isPrompt = (content: Json) =>
      content.role === 'user' && !geminiParts(content).some((part) => 'functionResponse' in part);
    const prompt = lastIndex(contents, isPrompt);
    const earlier = prompt === -1 ? [] : contents.slice(0, prompt);
    return {
      prompt: prompt === -1 ? '' : textOf(geminiParts(contents[prompt])),
      step: contents
        .slice(prompt + 1)
        .filter(
          (content) =>
            content.role === 'model' && geminiParts(content).some((part) => 'functionCall' in part),
        ).length,
      tools: array(body.tools)
        .filter(isRecord)
        .flatMap((tool) => array(tool.functionDeclarations).filter(isRecord))
        .map((declaration) => String(declaration.name)),
      earlierToolCalls: earlier
        .filter((content) => content.role === 'model')
        .flatMap(geminiParts)
        .filter((part) => 'functionCall' in part).length,
      earlierPrompts: earlier.filter(isPrompt).map((content) => textOf(geminiParts(content))),
      toolResults: contents
        .slice(prompt + 1)
        .flatMap(geminiParts)
        .filter((part) => isRecord(part.functionResponse))
        .map((part) => {
          const response = (part.functionResponse as Json).response;
          return isRecord(response) && typeof response.output === 'string'
            ? response.output
            : resultText(response);
        }),
    };
  },
  readFirst: () => false,
  call(step, tools) {
    if (step.kind === 'mcp') return mcpToolName(step, tools);
    const [name, input]: [string, Json] =
      step.kind === 'read'
        ? ['read_file', { file_path: step.path }]
        : step.kind === 'edit'
          ? [
              'replace',
              {
                file_path: step.path,
                old_string: step.oldText,
                new_string: step.newText,
                instruction: 'Make the greeting warmer.',
              },
            ]
          : step.kind === 'write'
            ? ['write_file', { file_path: step.path, content: step.content }]
            : ['run_shell_command', { command: step.command, description: 'Install a package' }];
    return tools.includes(name) ? { name, input } : { problem: `no ${name} among ${tools.join(', ')}` };
  },
  sse(reply, usage, model) {
    return [`data: ${JSON.stringify(geminiChunk(reply, usage, model))}\r\n\r\n`];
  },
  json: (reply, usage, model) => geminiChunk(reply, usage, model),
  error: (status, message) => ({ error: { code: status, message, status: 'INVALID_ARGUMENT' } }),
  key: (headers) => header(headers['x-goog-api-key']),
};

function geminiChunk(reply: WireReply, usage: ReplyUsage, model: string): Json {
  const part =
    reply.kind === 'text' ? { text: reply.text } : { functionCall: { name: reply.name, args: reply.input } };
  return {
    candidates: [{ content: { role: 'model', parts: [part] }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: usage.inputTokens,
      candidatesTokenCount: usage.outputTokens,
      totalTokenCount: usage.inputTokens + usage.outputTokens,
    },
    modelVersion: model,
  };
}
