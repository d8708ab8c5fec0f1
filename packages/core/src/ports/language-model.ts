import type { JsonObject, ModelCapabilities, ModelCapabilityOverrides } from '../domain/index.ts';

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

/** Tokens a call used, counted the same way for every provider. */
export interface TokenUsage {
  /** Every input token of the call, including those served from a prompt cache. */
  inputTokens: number;
  /** Output tokens, including reasoning ("thinking") tokens the provider bills as output. */
  outputTokens: number;
  /** The part of `inputTokens` read from a prompt cache (0 when the provider does not say). */
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
  /** Limits and preferences of this model (table values plus the profile's overrides). */
  readonly capabilities: ModelCapabilities;
  generate(options: GenerateOptions): Promise<Generation>;
  /** Optional: streamed generation; ends with one `finish` delta. */
  stream?(options: GenerateOptions): AsyncIterable<GenerationDelta>;
}

/**
 * One provider account (a key and a base URL) as a function from a model id to a ready
 * LanguageModel, e.g. `createOpenAIProvider({ apiKey })('gpt-5.1')`. Cheap to call: clients
 * are shared per (base URL, key).
 */
export type LanguageModelProvider = (
  modelId: string,
  options?: { capabilities?: ModelCapabilityOverrides },
) => LanguageModel;
