import {
  type FinishReason,
  type GenerateOptions,
  type JsonObject,
  type ModelCapabilities,
  ProviderError,
  type TokenUsage,
  type ToolCall,
  UnsupportedError,
} from '@goosuke/core';
import type {
  ChatCompletionCreateParamsNonStreaming,
  ChatCompletionMessageParam,
  ChatCompletionTool,
} from 'openai/resources/chat/completions';
import type { CompletionUsage } from 'openai/resources/completions';

/** The request body without `stream`, shared by generate and stream. */
export type ChatRequestBody = Omit<ChatCompletionCreateParamsNonStreaming, 'stream'>;

/**
 * Maps Goosuke's call options onto a Chat Completions body. The output limit goes into the
 * parameter the capabilities name, capped at `capabilities.maxOutputTokens`; `temperature` is
 * sent only when the model accepts one. Throws UnsupportedError for tools on a model whose
 * capabilities say it cannot call them (servers answer such requests with an opaque 400).
 */
export function toChatRequest(
  provider: string,
  modelId: string,
  capabilities: ModelCapabilities,
  options: GenerateOptions,
): ChatRequestBody {
  const messages: ChatCompletionMessageParam[] = [];
  if (options.system) messages.push({ role: 'system', content: options.system });
  for (const message of options.messages) {
    if (message.role === 'user') {
      messages.push({ role: 'user', content: message.content });
    } else if (message.role === 'assistant') {
      const toolCalls = message.toolCalls ?? [];
      messages.push({
        role: 'assistant',
        // OpenAI wants null rather than "" next to tool calls; some compatible servers reject "".
        content: message.content === '' && toolCalls.length > 0 ? null : message.content,
        ...(toolCalls.length === 0
          ? {}
          : {
              tool_calls: toolCalls.map((call) => ({
                id: call.id,
                type: 'function' as const,
                function: { name: call.name, arguments: JSON.stringify(call.arguments) },
              })),
            }),
      });
    } else {
      // Chat Completions has no error flag on tool results, so the content says it.
      messages.push({
        role: 'tool',
        tool_call_id: message.toolCallId,
        content: message.isError ? `Error: ${message.content}` : message.content,
      });
    }
  }
  const body: ChatRequestBody = { model: modelId, messages };
  if (options.tools && options.tools.length > 0) {
    if (!capabilities.supportsTools) {
      throw new UnsupportedError(
        `${provider} model ${modelId} is not known to support tools; set the supportsTools capability if it does`,
      );
    }
    body.tools = options.tools.map(
      (tool): ChatCompletionTool => ({
        type: 'function',
        function: { name: tool.name, description: tool.description, parameters: tool.inputSchema },
      }),
    );
  }
  if (options.maxOutputTokens !== undefined) {
    const limit = Math.max(1, Math.min(Math.floor(options.maxOutputTokens), capabilities.maxOutputTokens));
    // `maxOutputTokens` is Gemini's name; a profile that names it here means the modern default.
    if (capabilities.outputLimitParameter === 'max_tokens') body.max_tokens = limit;
    else body.max_completion_tokens = limit;
  }
  if (options.temperature !== undefined && capabilities.supportsTemperature) {
    body.temperature = options.temperature;
  }
  return body;
}

/** Maps Chat Completions finish reasons onto Goosuke's. */
export function toFinishReason(reason: string | null | undefined, hasToolCalls: boolean): FinishReason {
  switch (reason) {
    case 'stop':
      // Some compatible servers (older vLLM, llama.cpp) say `stop` after tool calls.
      return hasToolCalls ? 'tool-calls' : 'stop';
    case 'length':
      return 'length';
    case 'tool_calls':
    case 'function_call':
      return 'tool-calls';
    case 'content_filter':
      return 'content-filter';
    default:
      return hasToolCalls ? 'tool-calls' : 'other';
  }
}

/** Token usage from the response; 0 for whatever the server did not report. */
export function toTokenUsage(usage: CompletionUsage | null | undefined): TokenUsage {
  return {
    // prompt_tokens already includes the cached ones: cachedInputTokens is a subset.
    inputTokens: usage?.prompt_tokens ?? 0,
    outputTokens: usage?.completion_tokens ?? 0,
    cachedInputTokens: usage?.prompt_tokens_details?.cached_tokens ?? 0,
  };
}

/**
 * Parses a tool call's JSON arguments into an object. Malformed or non-object arguments are a
 * ProviderError (not retryable: the call is not resent automatically), never a crash.
 */
export function toToolCall(
  provider: string,
  call: { id: string | undefined; name: string | undefined; arguments: string | undefined },
  index: number,
): ToolCall {
  const name = call.name ?? '';
  if (!name) {
    throw new ProviderError(provider, `${provider}: the model returned a tool call without a name`, {
      status: null,
      retryable: false,
    });
  }
  const text = call.arguments?.trim() ? call.arguments : '{}';
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new ProviderError(
      provider,
      `${provider}: the model returned malformed JSON arguments for tool "${name}"`,
      { status: null, retryable: false, cause: error },
    );
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ProviderError(
      provider,
      `${provider}: the model returned arguments for tool "${name}" that are not a JSON object`,
      { status: null, retryable: false },
    );
  }
  // Some compatible servers omit ids; the caller needs one to send the result back.
  return { id: call.id || `call_${index}`, name, arguments: parsed as JsonObject };
}
