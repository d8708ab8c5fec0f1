import { afterEach, describe } from 'vitest';
import type { JsonObject, ModelCapabilityOverrides } from '../domain/index.ts';
import type { ProviderError } from '../errors/index.ts';
import type { FinishReason, LanguageModel, TokenUsage } from '../ports/index.ts';
import { describeLanguageModelErrorCases } from './language-model-conformance-errors.ts';
import { describeLanguageModelGenerateCases } from './language-model-conformance-generate.ts';
import { describeLanguageModelStreamCases } from './language-model-conformance-stream.ts';

/** A tool call the fake model makes, in the port's terms. */
export type LanguageModelConformanceToolCall =
  | { id: string; name: string; arguments: JsonObject }
  /** Arguments the provider's wire format holds but that are no JSON object (cut JSON text, an array…). */
  | { id: string; name: string; malformed: true };

/**
 * One answer of the fake, in the port's terms: the adapter writes it in its provider's wire
 * format (JSON for a plain call, the provider's stream frames when the request asked to stream).
 */
export interface LanguageModelConformanceReply {
  kind: 'reply';
  /** The whole text; when left out, `textChunks` joined. */
  text?: string;
  /** Streamed: the text deltas, in order, each in its own wire frame; when left out, `text` in one piece. */
  textChunks?: readonly string[];
  toolCalls?: readonly LanguageModelConformanceToolCall[];
  /** Default `tool-calls` when there are tool calls, else `stop`; `other` is not scripted. */
  finishReason?: Exclude<FinishReason, 'other'>;
  /** What the provider reports, in the port's convention (cached tokens are part of the input). */
  usage?: TokenUsage;
  /** Wait this long before answering at all (timeouts, aborts during a call). */
  delayMs?: number;
  /**
   * Streamed only: send the frames of the first `stallAfterChunks` text chunks, then keep the
   * connection open without another byte until the client leaves or the fake closes.
   */
  stallAfterChunks?: number;
  /**
   * Streamed only: after the first `chunks` text chunks, send the provider's in-stream error
   * frame (an overloaded server, say) carrying `message`, and end the response.
   */
  errorAfterChunks?: { chunks: number; message: string };
  /**
   * Streamed only: after the first `endAfterChunks` text chunks, end the response cleanly but
   * without the provider's finish (the connection was cut before the model finished).
   */
  endAfterChunks?: number;
}

/** An HTTP error answer, in the provider's error shape. */
export interface LanguageModelConformanceHttpError {
  kind: 'http-error';
  status: number;
  /** The server's explanation, as the provider's error body carries it. */
  message: string;
  /** Sent as the retry delay the provider uses (a `retry-after` header, say). */
  retryAfterMs?: number;
  delayMs?: number;
}

/** Something the fake answers one request with. */
export type LanguageModelConformanceAnswer =
  | LanguageModelConformanceReply
  | LanguageModelConformanceHttpError;

/** What the suite reads of one request the fake received, whatever the wire format. */
export interface LanguageModelConformanceRequest {
  /** Whether the request asked for a streamed answer. */
  stream: boolean;
  /** Names of the tools the request offered, in order. */
  toolNames: string[];
  /** The output token limit the request carried, null when none. */
  maxOutputTokens: number | null;
  /** The temperature the request carried, null when none. */
  temperature: number | null;
  /** Contents of the tool results the request sent back to the model, in order. */
  toolResults: string[];
}

/** Options of {@link LanguageModelConformanceSubject.model}. */
export interface LanguageModelConformanceModelOptions {
  /** Retries after the first attempt; when left out, the implementation's default. */
  maxRetries?: number;
  /** Time limit of one attempt (for streams, at least the longest wait for the next frame). */
  timeoutMs?: number;
  /** A key other than the one the fake accepts (the fake must refuse it as the provider would). */
  apiKey?: string;
  /** Overrides of the model's capabilities. */
  capabilities?: ModelCapabilityOverrides;
  /** Called before each retry wait. */
  onRetry?: (event: { attempt: number; delayMs: number; error: ProviderError }) => void;
  /** Point the model at an address where nothing listens. */
  unreachable?: boolean;
}

/** What the language model conformance suite works with in one test. */
export interface LanguageModelConformanceSubject {
  /**
   * A model of the implementation under test, talking to this test's fake with the real
   * client library. Its retries should wait little when the fake gives no retry delay.
   */
  model(options?: LanguageModelConformanceModelOptions): LanguageModel;
  /** The key the fake accepts; no error may hold it. */
  readonly apiKey: string;
  /** What a rejected-key error tells the user to check, e.g. `OPENAI_API_KEY`. */
  readonly keyVariable: string;
  /** Queues the fake's answers to the next requests, in order. */
  respond(...answers: LanguageModelConformanceAnswer[]): void;
  /** Every request the fake received, in order, including refused ones. */
  requests(): LanguageModelConformanceRequest[];
  /** How many queued answers are left. */
  pending(): number;
  /** How many streamed answers the fake is still sending (a client that stops reading closes its). */
  openStreams(): number;
}

/** How the language model conformance suite gets the implementation under test. */
export interface LanguageModelConformanceFactory {
  /** A subject with a fresh fake for one test; called before every test. */
  create(): Promise<LanguageModelConformanceSubject>;
  /** Called after every test (close the fake there). */
  cleanup?(): Promise<void>;
}

/** What the case groups share. */
export interface LanguageModelConformanceContext {
  subject(): Promise<LanguageModelConformanceSubject>;
}

/**
 * Runs the LanguageModel contract (see `LanguageModel` in `@goosuke/core`) against an
 * implementation driven through a loopback fake of its provider: answers (text, tool calls,
 * usage in Goosuke's convention, finish reasons), capabilities honoured (output limit capped,
 * temperature and tools only when supported), errors (a rejected key never retried and never
 * leaked, not even in the cause; retry-after waited; retries bounded by maxRetries; 4xx not
 * retried with the server's explanation kept; timeouts and unreachable servers retryable;
 * cancellation before, during and between attempts), and streams (text and tool-call deltas,
 * exactly one final finish delta, retried only before the first delta, canceled promptly, the
 * HTTP response closed when the consumer stops, stalls and cuts as errors, never a finish).
 * Streaming cases are skipped for a model without `stream`. Call it inside a test file of the
 * implementation's package; the suite knows no wire format, the factory's adapter does.
 */
export function describeLanguageModelConformance(
  name: string,
  factory: LanguageModelConformanceFactory,
): void {
  describe(`LanguageModel conformance: ${name}`, () => {
    afterEach(async () => {
      await factory.cleanup?.();
    });
    const context: LanguageModelConformanceContext = { subject: () => factory.create() };
    describeLanguageModelGenerateCases(context);
    describeLanguageModelErrorCases(context);
    describeLanguageModelStreamCases(context);
  });
}
