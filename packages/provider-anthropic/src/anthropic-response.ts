import type Anthropic from '@anthropic-ai/sdk';
import {
  type FinishReason,
  type Generation,
  type GenerationDelta,
  type JsonObject,
  ProviderError,
  type TokenUsage,
  type ToolCall,
} from '@goosuke/core';
import { anthropicProviderName } from './anthropic-errors.ts';

type Message = Anthropic.Messages.Message;
type StreamEvent = Anthropic.Messages.RawMessageStreamEvent;

/**
 * Maps Anthropic's `stop_reason` onto Goosuke's finish reasons: `end_turn` and
 * `stop_sequence` → `stop`; `max_tokens` and `model_context_window_exceeded` → `length`;
 * `tool_use` → `tool-calls`; `refusal` (the model declined, or a safety classifier stopped
 * it) → `content-filter`; `pause_turn`, a missing reason and anything new → `other`.
 */
export function toFinishReason(stopReason: string | null | undefined): FinishReason {
  switch (stopReason) {
    case 'end_turn':
    case 'stop_sequence':
      return 'stop';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'length';
    case 'tool_use':
      return 'tool-calls';
    case 'refusal':
      return 'content-filter';
    default:
      return 'other';
  }
}

/** Anthropic's usage fields, as far as they are given (stream events give them in parts). */
export interface AnthropicUsageFields {
  input_tokens?: number | null;
  output_tokens?: number | null;
  cache_read_input_tokens?: number | null;
  cache_creation_input_tokens?: number | null;
}

/**
 * Token usage in Goosuke's convention (see TokenUsage): every input token, cached or not.
 * Anthropic's `input_tokens` counts only the uncached part, so cache reads and cache writes are
 * added to it; `cachedInputTokens` is the cache-read part. 0 for anything not given.
 */
export function toTokenUsage(usage: AnthropicUsageFields | null | undefined): TokenUsage {
  const cacheRead = count(usage?.cache_read_input_tokens);
  return {
    inputTokens: count(usage?.input_tokens) + cacheRead + count(usage?.cache_creation_input_tokens),
    outputTokens: count(usage?.output_tokens),
    cachedInputTokens: cacheRead,
  };
}

/**
 * Maps a complete Messages API response: text blocks concatenated, `tool_use` blocks as tool
 * calls, usage, finish reason. Other block kinds (thinking, server tools) are ignored. A body
 * without a `content` array, or a tool input that is not a JSON object, is a ProviderError.
 */
export function toGeneration(message: Message): Generation {
  if (typeof message !== 'object' || message === null || !Array.isArray(message.content)) {
    throw new ProviderError(anthropicProviderName, 'Anthropic returned a response without content blocks', {
      status: null,
      retryable: false,
    });
  }
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const block of message.content) {
    if (block.type === 'text') text += block.text;
    else if (block.type === 'tool_use') {
      toolCalls.push({ id: block.id, name: block.name, arguments: toolArguments(block.name, block.input) });
    }
  }
  return {
    text,
    toolCalls,
    usage: toTokenUsage(message.usage),
    finishReason: toFinishReason(message.stop_reason),
  };
}

interface PendingToolCall {
  id: string;
  name: string;
  json: string;
  /** Input given whole in `content_block_start` (a non-empty object), used when no fragments come. */
  initialInput: unknown;
}

/**
 * Folds Anthropic's stream events into Goosuke deltas: each `text_delta` becomes a `text`
 * delta; a `tool_use` block's `input_json_delta` fragments are joined and parsed when the
 * block stops, giving one complete `tool-call` delta; usage is taken from `message_start`
 * and updated by `message_delta`; {@link finish} gives the one final `finish` delta, or throws
 * a retryable ProviderError when the stream ended before `message_stop` (a cut connection is
 * not a finished answer).
 */
export class AnthropicStreamAssembler {
  readonly #toolCalls = new Map<number, PendingToolCall>();
  #usage: AnthropicUsageFields = {};
  #stopReason: string | null = null;
  #stopped = false;

  /** The deltas one event yields (often none). Throws ProviderError for malformed tool input. */
  accept(event: StreamEvent): GenerationDelta[] {
    switch (event.type) {
      case 'message_start':
        this.#mergeUsage(event.message.usage);
        return [];
      case 'content_block_start': {
        const block = event.content_block;
        if (block.type === 'text') return block.text ? [{ type: 'text', text: block.text }] : [];
        if (block.type === 'tool_use') {
          this.#toolCalls.set(event.index, {
            id: block.id,
            name: block.name,
            json: '',
            initialInput: block.input,
          });
        }
        return [];
      }
      case 'content_block_delta': {
        const delta = event.delta;
        if (delta.type === 'text_delta') return delta.text ? [{ type: 'text', text: delta.text }] : [];
        if (delta.type === 'input_json_delta') {
          const pending = this.#toolCalls.get(event.index);
          if (pending) pending.json += delta.partial_json;
        }
        return [];
      }
      case 'content_block_stop': {
        const pending = this.#toolCalls.get(event.index);
        if (!pending) return [];
        this.#toolCalls.delete(event.index);
        return [{ type: 'tool-call', toolCall: this.#complete(pending) }];
      }
      case 'message_delta':
        this.#stopReason = event.delta.stop_reason ?? this.#stopReason;
        this.#mergeUsage(event.usage);
        return [];
      case 'message_stop':
        this.#stopped = true;
        return [];
      default:
        return [];
    }
  }

  /** The final delta: usage and finish reason. Tool blocks left open are completed first. */
  finish(): GenerationDelta[] {
    if (!this.#stopped) {
      throw new ProviderError(
        anthropicProviderName,
        'Anthropic: the stream ended before the model finished (no message_stop); retry the call',
        { status: null, retryable: true },
      );
    }
    const deltas: GenerationDelta[] = [...this.#toolCalls.values()].map((pending) => ({
      type: 'tool-call',
      toolCall: this.#complete(pending),
    }));
    this.#toolCalls.clear();
    deltas.push({
      type: 'finish',
      usage: toTokenUsage(this.#usage),
      finishReason: toFinishReason(this.#stopReason),
    });
    return deltas;
  }

  #complete(pending: PendingToolCall): ToolCall {
    const input = pending.json.trim() === '' ? (pending.initialInput ?? {}) : parseToolJson(pending);
    return { id: pending.id, name: pending.name, arguments: toolArguments(pending.name, input) };
  }

  #mergeUsage(usage: AnthropicUsageFields | null | undefined): void {
    if (!usage) return;
    // message_delta repeats cumulative counts; null means "not said here", not zero.
    for (const key of [
      'input_tokens',
      'output_tokens',
      'cache_read_input_tokens',
      'cache_creation_input_tokens',
    ] as const) {
      const value = usage[key];
      if (typeof value === 'number') this.#usage[key] = value;
    }
  }
}

function parseToolJson(pending: PendingToolCall): unknown {
  try {
    return JSON.parse(pending.json);
  } catch (error) {
    throw new ProviderError(
      anthropicProviderName,
      `Anthropic sent malformed JSON arguments for tool ${JSON.stringify(pending.name)}`,
      { status: null, retryable: false, cause: error },
    );
  }
}

function toolArguments(name: string, input: unknown): JsonObject {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ProviderError(
      anthropicProviderName,
      `Anthropic sent arguments for tool ${JSON.stringify(name)} that are not a JSON object`,
      { status: null, retryable: false },
    );
  }
  return input as JsonObject;
}

function count(value: number | null | undefined): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : 0;
}
