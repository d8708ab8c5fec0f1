import type { JsonObject } from '../domain/index.ts';

/** A tool the model may call: a name, what it does, and a JSON Schema for its arguments. */
export interface ToolSpec {
  name: string;
  description: string;
  inputSchema: JsonObject;
}

/** A tool call the model asked for. */
export interface ToolCall {
  id: string;
  name: string;
  arguments: JsonObject;
}

/** One message of the conversation sent to a model. */
export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string; isError?: boolean };

/** Tokens a call used. */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cachedInputTokens: number;
}

/** Why the model stopped. */
export type FinishReason = 'stop' | 'length' | 'tool-calls' | 'content-filter' | 'other';

/** A model's complete answer. */
export interface Generation {
  text: string;
  toolCalls: ToolCall[];
  usage: TokenUsage;
  finishReason: FinishReason;
}

/** One piece of a streamed answer. */
export type GenerationDelta =
  | { type: 'text'; text: string }
  | { type: 'tool-call'; toolCall: ToolCall }
  | { type: 'finish'; usage: TokenUsage; finishReason: FinishReason };

/** Options of one model call. */
export interface GenerateOptions {
  system?: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  maxOutputTokens?: number;
  temperature?: number;
  signal?: AbortSignal;
}

/**
 * One model of one provider, ready to call. Implementations: `@goosuke/openai`,
 * `@goosuke/anthropic`, `@goosuke/google`. Failures throw ProviderError with the key redacted.
 */
export interface LanguageModel {
  readonly provider: string;
  readonly modelId: string;
  generate(options: GenerateOptions): Promise<Generation>;
  /** Optional: streamed generation; ends with one `finish` delta. */
  stream?(options: GenerateOptions): AsyncIterable<GenerationDelta>;
}
