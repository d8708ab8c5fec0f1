import type Anthropic from '@anthropic-ai/sdk';
import {
  type ChatMessage,
  type GenerateOptions,
  type ModelCapabilities,
  UnsupportedError,
} from '@goosuke/core';

type MessageParam = Anthropic.Messages.MessageParam;
type ContentBlockParam = Anthropic.Messages.ContentBlockParam;
type Tool = Anthropic.Messages.Tool;

/**
 * The body of one Messages API call (`stream` is added by the caller). `temperature` is not in
 * the SDK's types any more but the API still takes it, so it is carried as an extra field.
 */
export type AnthropicRequestBody = Anthropic.Messages.MessageCreateParamsNonStreaming & {
  temperature?: number;
};

/**
 * Builds the Messages API body for `options` on `modelId`:
 * - `system` goes to the top-level `system` field (omitted when blank);
 * - assistant tool calls become `tool_use` blocks, tool results `tool_result` blocks in a user
 *   turn; adjacent user-side messages (tool results, then a user message) share one turn, as
 *   the API wants all results of one assistant turn in the next user turn;
 * - `max_tokens` (required by the API) is the caller's `maxOutputTokens` capped at
 *   `capabilities.maxOutputTokens`, or that capability when the caller gives none;
 * - `temperature` only when the caller gives one and `capabilities.supportsTemperature`.
 *
 * Throws UnsupportedError for tools on a model whose capabilities say it cannot call them.
 */
export function toAnthropicRequest(
  modelId: string,
  capabilities: ModelCapabilities,
  options: GenerateOptions,
): AnthropicRequestBody {
  const body: AnthropicRequestBody = {
    model: modelId,
    max_tokens: outputLimit(capabilities, options.maxOutputTokens),
    messages: toAnthropicMessages(options.messages),
  };
  if (options.system?.trim()) body.system = options.system;
  if (options.tools && options.tools.length > 0) {
    if (!capabilities.supportsTools) {
      throw new UnsupportedError(
        `the Anthropic model ${modelId} is not known to support tools; set the supportsTools capability if it does`,
      );
    }
    body.tools = options.tools.map(
      (tool): Tool => ({
        name: tool.name,
        description: tool.description,
        input_schema: tool.inputSchema as Tool['input_schema'],
      }),
    );
  }
  if (options.temperature !== undefined && capabilities.supportsTemperature) {
    body.temperature = options.temperature;
  }
  return body;
}

function outputLimit(capabilities: ModelCapabilities, requested: number | undefined): number {
  const cap = capabilities.maxOutputTokens;
  if (requested === undefined || !Number.isFinite(requested)) return cap;
  return Math.max(1, Math.min(Math.floor(requested), cap));
}

/** Maps Goosuke's conversation onto Anthropic's alternating user / assistant turns. */
export function toAnthropicMessages(messages: readonly ChatMessage[]): MessageParam[] {
  const turns: MessageParam[] = [];
  for (const message of messages) {
    if (message.role === 'assistant') {
      const toolCalls = message.toolCalls ?? [];
      if (toolCalls.length === 0) {
        turns.push({ role: 'assistant', content: message.content });
        continue;
      }
      const blocks: ContentBlockParam[] = [];
      // The API refuses empty text blocks.
      if (message.content !== '') blocks.push({ type: 'text', text: message.content });
      for (const call of toolCalls) {
        blocks.push({ type: 'tool_use', id: call.id, name: call.name, input: call.arguments });
      }
      turns.push({ role: 'assistant', content: blocks });
      continue;
    }
    const block: ContentBlockParam =
      message.role === 'tool'
        ? {
            type: 'tool_result',
            tool_use_id: message.toolCallId,
            content: message.content,
            ...(message.isError ? { is_error: true } : {}),
          }
        : { type: 'text', text: message.content };
    const previous = turns.at(-1);
    if (previous?.role === 'user' && Array.isArray(previous.content) && message.role === 'tool') {
      previous.content.push(block);
    } else if (previous?.role === 'user' && Array.isArray(previous.content) && endsWithToolResult(previous)) {
      previous.content.push(block);
    } else if (message.role === 'user') {
      turns.push({ role: 'user', content: message.content });
    } else {
      turns.push({ role: 'user', content: [block] });
    }
  }
  return turns;
}

function endsWithToolResult(turn: MessageParam): boolean {
  return Array.isArray(turn.content) && turn.content.at(-1)?.type === 'tool_result';
}
