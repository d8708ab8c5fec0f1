import type { JsonObject, JsonValue } from '../domain/index.ts';
import { GoosukeError, InvalidInputError } from '../errors/index.ts';
import type {
  ChatMessage,
  GenerateOptions,
  Generation,
  LanguageModel,
  ToolCall,
  ToolSpec,
} from '../ports/index.ts';

/**
 * A tool Goosuke's own agents may offer their model: an extension's (MCP) tool or one of the
 * agent's read-only repository tools.
 */
export interface AgentTool {
  /** What the model sees: a name unique among the run's tools, a description, a JSON Schema. */
  readonly spec: ToolSpec;
  /** For events and comparisons: `mcp` (an extension's), `read` or `search`. */
  readonly kind: 'mcp' | 'read' | 'search';
  /** An extension's tool: the extension's name and the server's name for the tool. */
  readonly origin: { readonly extension: string; readonly tool: string } | null;
  /**
   * Runs the tool. A failure the model can act on (bad arguments, a missing file, the tool's own
   * error) is a result with `isError`; a GoosukeError thrown (the server died, timed out) becomes
   * such a result too, except `canceled`, which ends the run.
   */
  call(args: JsonObject, signal?: AbortSignal): Promise<{ text: string; isError: boolean }>;
}

/** Bounds of one run's tool use, over all its model calls. */
export interface ToolLoopLimits {
  /** Model turns that may call tools; default 10. */
  maxTurns: number;
  /** Tool calls in all; default 30. */
  maxToolCalls: number;
  /** Input plus output tokens of the calls made while tools are offered; default 400,000. */
  maxTokens: number;
  /** Characters of one tool result the model gets (the rest is cut, and it is told); default 16,000. */
  maxResultChars: number;
}

/** The defaults of {@link ToolLoopLimits}. */
export const toolLoopDefaults: Readonly<ToolLoopLimits> = Object.freeze({
  maxTurns: 10,
  maxToolCalls: 30,
  maxTokens: 400_000,
  maxResultChars: 16_000,
});

/** Checks and completes limits given by a caller. @throws InvalidInputError for a non-positive or fractional one. */
export function readToolLoopLimits(limits: Partial<ToolLoopLimits> | undefined): ToolLoopLimits {
  const read = { ...toolLoopDefaults, ...limits };
  for (const [name, value] of Object.entries(read)) {
    if (!Number.isInteger(value) || value < 1) {
      throw new InvalidInputError(`tool loop limit ${name} must be a positive integer`);
    }
  }
  return read;
}

/** The tool use of one run so far, shared by its model calls (the edit agent's attempts). */
export interface ToolLoopState {
  turns: number;
  calls: number;
  tokens: number;
  /** Each call made, by tool and arguments: the same call again trips the loop guard. */
  readonly made: Set<string>;
  /** Why tools are no longer offered, once they are not. */
  stopped: string | null;
}

/** A fresh {@link ToolLoopState}. */
export function createToolLoopState(): ToolLoopState {
  return { turns: 0, calls: 0, tokens: 0, made: new Set(), stopped: null };
}

/** What the loop reports: one `tool_call` event per call (before) and its `tool_call_update` (after). */
export interface ToolLoopEvent {
  level: 'info' | 'warn';
  message: string;
  data: { [key: string]: JsonValue };
}

/** Input of {@link generateWithTools}. */
export interface ToolLoopInput {
  model: LanguageModel;
  /** The request without tools; its `messages` end with the user's turn. */
  request: GenerateOptions;
  tools: readonly AgentTool[];
  limits: ToolLoopLimits;
  state: ToolLoopState;
  /** Called after every model call, in order (usage events, budget checks). */
  onGeneration: (generation: Generation) => Promise<void>;
  emit: (event: ToolLoopEvent) => Promise<void>;
}

/** What {@link generateWithTools} returns. */
export interface ToolLoopResult {
  /** The model's answer: the last call's, which asked for no tool. */
  generation: Generation;
  /** The messages the answer was given (the request's plus the tool exchange), for a follow-up call. */
  messages: ChatMessage[];
}

const maxShownChars = 2_000;

/**
 * Calls the model with `tools` until it answers without asking for one, running each call it asks
 * for and sending the results back; bounded by `limits` over the whole run (`state`). Once a limit
 * is reached, or the model repeats a call it made before (the loop guard), tools are withdrawn: the
 * exchange so far is given back as plain text and the model is asked to answer with what it has.
 * Every call and its result (cut to a readable length) is an event. Without tools, or once they
 * are withdrawn, this is one plain call.
 */
export async function generateWithTools(input: ToolLoopInput): Promise<ToolLoopResult> {
  const { model, request, tools, limits, state } = input;
  const byName = new Map(tools.map((tool) => [tool.spec.name, tool]));
  let messages = [...request.messages];
  for (;;) {
    request.signal?.throwIfAborted();
    const offer = tools.length > 0 && state.stopped === null;
    const generation = await model.generate({
      ...request,
      messages,
      ...(offer ? { tools: tools.map((tool) => tool.spec) } : {}),
    });
    await input.onGeneration(generation);
    if (!offer || generation.toolCalls.length === 0) return { generation, messages };

    state.turns++;
    state.tokens += generation.usage.inputTokens + generation.usage.outputTokens;
    messages.push({ role: 'assistant', content: generation.text, toolCalls: generation.toolCalls });
    for (const call of generation.toolCalls) {
      messages.push(await runCall(input, byName, call));
    }
    const limit =
      state.turns >= limits.maxTurns
        ? `${limits.maxTurns} model turns with tool calls`
        : state.calls >= limits.maxToolCalls
          ? `${limits.maxToolCalls} tool calls`
          : state.tokens >= limits.maxTokens
            ? `${limits.maxTokens} tokens while using tools`
            : null;
    if (state.stopped === null && limit !== null) state.stopped = `the limit of ${limit} was reached`;
    if (state.stopped !== null) {
      await input.emit({
        level: 'warn',
        message: `tool use stopped: ${state.stopped}; asking the model to answer`,
        data: { kind: 'tool_loop_stopped', reason: state.stopped },
      });
      messages = withoutToolExchange(messages, state.stopped);
    }
  }
}

/** Runs one call the model asked for (or refuses it: unknown tool, loop guard, call limit). */
async function runCall(
  input: ToolLoopInput,
  byName: ReadonlyMap<string, AgentTool>,
  call: ToolCall,
): Promise<ChatMessage> {
  const { state, limits } = input;
  const tool = byName.get(call.name);
  const key = `${call.name}\u0000${canonicalJson(call.arguments)}`;
  const reply = (content: string, isError: boolean): ChatMessage => ({
    role: 'tool',
    toolCallId: call.id,
    name: call.name,
    content,
    isError,
  });
  if (tool === undefined) {
    return reply(
      `There is no tool named ${call.name}. The tools are: ${[...byName.keys()].join(', ')}.`,
      true,
    );
  }
  if (state.made.has(key)) {
    state.stopped ??= `the model called ${call.name} again with the same arguments`;
    return reply('Not run: this exact call was made before; its result is above.', true);
  }
  if (state.calls >= limits.maxToolCalls) {
    state.stopped ??= `the limit of ${limits.maxToolCalls} tool calls was reached`;
    return reply('Not run: the tool call limit was reached.', true);
  }
  state.made.add(key);
  state.calls++;
  const title = tool.origin === null ? tool.spec.name : `${tool.origin.extension}: ${tool.origin.tool}`;
  const shown = clip(canonicalJson(call.arguments), maxShownChars);
  const about = {
    toolCallId: call.id,
    toolKind: tool.kind,
    title,
    ...(tool.origin === null ? {} : { extension: tool.origin.extension, tool: tool.origin.tool }),
  };
  await input.emit({
    level: 'info',
    message: `tool call: ${title} ${clip(shown, 200)}`,
    data: { kind: 'tool_call', ...about, status: 'in_progress', arguments: shown },
  });
  const started = Date.now();
  let result: { text: string; isError: boolean };
  try {
    result = await tool.call(call.arguments, input.request.signal);
  } catch (error) {
    if (!GoosukeError.isInstance(error) || error.code === 'canceled') throw error;
    result = { text: `The tool failed: ${error.message}`, isError: true };
  }
  const text =
    result.text.length > limits.maxResultChars
      ? `${result.text.slice(0, limits.maxResultChars)}\n[cut: the result has ${result.text.length} characters; ask for less]`
      : result.text;
  await input.emit({
    level: result.isError ? 'warn' : 'info',
    message: `tool call ${result.isError ? 'failed' : 'done'}: ${title} (${result.text.length} characters)`,
    data: {
      kind: 'tool_call_update',
      ...about,
      status: result.isError ? 'failed' : 'completed',
      durationMs: Date.now() - started,
      result: clip(result.text, maxShownChars),
    },
  });
  return reply(text === '' ? '(no output)' : text, result.isError);
}

/**
 * The conversation with its tool calls and results turned into plain text, ending with a user
 * turn that says tools are over: every provider takes it without tool definitions (Anthropic
 * refuses tool blocks in a request that defines no tools).
 */
function withoutToolExchange(messages: readonly ChatMessage[], reason: string): ChatMessage[] {
  const plain: ChatMessage[] = [];
  const pushUser = (content: string) => {
    const last = plain.at(-1);
    if (last?.role === 'user') last.content = `${last.content}\n\n${content}`;
    else plain.push({ role: 'user', content });
  };
  for (const message of messages) {
    if (message.role === 'assistant') {
      const calls = (message.toolCalls ?? []).map(
        (call) => `[called ${call.name} with ${clip(canonicalJson(call.arguments), maxShownChars)}]`,
      );
      plain.push({ role: 'assistant', content: [message.content, ...calls].filter(Boolean).join('\n') });
    } else if (message.role === 'tool') {
      pushUser(
        `[${message.isError === true ? 'error from' : 'result of'} ${message.name}]\n${message.content}`,
      );
    } else pushUser(message.content);
  }
  pushUser(`Tool use is over (${reason}). Answer now with what you have, as asked above.`);
  return plain;
}

/** JSON with object keys sorted, so that equal arguments compare equal. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) =>
    inner !== null && typeof inner === 'object' && !Array.isArray(inner)
      ? Object.fromEntries(
          Object.entries(inner as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
        )
      : inner,
  );
}

function clip(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max)}…`;
}
