import { randomUUID } from 'node:crypto';
import type { GenerateContentResponse, GenerateContentResponseUsageMetadata, Part } from '@google/genai';
import type { FinishReason, JsonObject, TokenUsage, ToolCall } from '@goosuke/core';
import { ProviderError } from '@goosuke/core';
import { googleProviderName } from './google-errors.ts';
import { generatedToolCallIdPrefix } from './google-request.ts';
import { rememberThoughtSignature } from './google-thought-signatures.ts';

const contentFilterReasons = new Set([
  'SAFETY',
  'RECITATION',
  'BLOCKLIST',
  'PROHIBITED_CONTENT',
  'SPII',
  'IMAGE_SAFETY',
  'IMAGE_PROHIBITED_CONTENT',
  'IMAGE_RECITATION',
  'MODEL_ARMOR',
]);

/**
 * Gemini's finish reason as Goosuke's: STOP → `stop` (`tool-calls` when the answer holds
 * function calls, since Gemini says STOP for those too), MAX_TOKENS → `length`, the safety
 * and policy reasons (SAFETY, RECITATION, BLOCKLIST, PROHIBITED_CONTENT, SPII, image
 * variants) → `content-filter`, anything else (MALFORMED_FUNCTION_CALL, OTHER, missing…) → `other`.
 */
export function toFinishReason(reason: string | undefined, hasToolCalls: boolean): FinishReason {
  if (reason === 'MAX_TOKENS') return 'length';
  if (reason !== undefined && contentFilterReasons.has(reason)) return 'content-filter';
  if (hasToolCalls && (reason === 'STOP' || reason === undefined)) return 'tool-calls';
  if (reason === 'STOP') return 'stop';
  return 'other';
}

/**
 * Token usage from `usageMetadata`: input = prompt (+ tool-use prompt) tokens, output =
 * candidate + thinking tokens, cached = `cachedContentTokenCount`; 0 for what Google left out.
 */
export function toTokenUsage(usage: GenerateContentResponseUsageMetadata | undefined): TokenUsage {
  return {
    inputTokens: (usage?.promptTokenCount ?? 0) + (usage?.toolUsePromptTokenCount ?? 0),
    outputTokens: (usage?.candidatesTokenCount ?? 0) + (usage?.thoughtsTokenCount ?? 0),
    cachedInputTokens: usage?.cachedContentTokenCount ?? 0,
  };
}

/** What one response (or one streamed chunk) holds. */
export interface GoogleResponseContent {
  text: string;
  toolCalls: ToolCall[];
  /** The first candidate's finish reason, when this response carries one. */
  finishReason: string | undefined;
  /** `promptFeedback.blockReason` when Google refused the prompt and sent no candidate. */
  blockReason: string | undefined;
  hasCandidate: boolean;
}

/**
 * Reads the first candidate: its text (thought parts left out), its function calls as
 * ToolCalls (Gemini's id, or a generated `goosuke-call-…` id; the thought signature
 * remembered for the replay), its finish reason, and the prompt's block reason.
 * Arguments that are not a JSON object raise a ProviderError.
 */
export function readResponse(response: GenerateContentResponse): GoogleResponseContent {
  const candidate = response.candidates?.[0];
  const parts: Part[] = candidate?.content?.parts ?? [];
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const part of parts) {
    if (part.functionCall) {
      toolCalls.push(toToolCall(part));
    } else if (typeof part.text === 'string' && part.thought !== true) {
      text += part.text;
    }
  }
  return {
    text,
    toolCalls,
    finishReason: candidate?.finishReason,
    blockReason: response.promptFeedback?.blockReason,
    hasCandidate: candidate !== undefined,
  };
}

function toToolCall(part: Part): ToolCall {
  const call = part.functionCall!;
  const name = call.name ?? '';
  const args: unknown = call.args ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args) || name === '') {
    throw new ProviderError(
      googleProviderName,
      `Google Gemini returned a malformed function call${name ? ` to ${name}` : ''} (arguments must be a JSON object)`,
      { status: null, retryable: false },
    );
  }
  const id = call.id ?? `${generatedToolCallIdPrefix}${randomUUID()}`;
  rememberThoughtSignature(id, part.thoughtSignature);
  return { id, name, arguments: args as JsonObject };
}

/** The error for an answer with neither a candidate nor a block reason. */
export function emptyResponseError(): ProviderError {
  return new ProviderError(
    googleProviderName,
    'Google Gemini returned no candidate and no block reason; retry the call',
    { status: null, retryable: true },
  );
}
