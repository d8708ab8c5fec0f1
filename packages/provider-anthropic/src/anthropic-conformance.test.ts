import type { FinishReason } from '@goosuke/core';
import {
  describeLanguageModelConformance,
  type LanguageModelConformanceAnswer,
  type LanguageModelConformanceRequest,
} from '@goosuke/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { createAnthropicProvider } from './anthropic-provider.ts';
import {
  type FakeAnthropicReply,
  type FakeAnthropicRequest,
  type FakeAnthropicServer,
  isolateAnthropicEnvironment,
  startFakeAnthropicServer,
} from './testing/index.ts';

const apiKey = 'sk-ant-conformance-0123456789abcdef';
let restoreEnvironment: () => void;
let fake: FakeAnthropicServer | undefined;
let unreachableUrl: string | undefined;

beforeAll(() => {
  restoreEnvironment = isolateAnthropicEnvironment();
});
afterAll(() => restoreEnvironment());

const stopReasons: Record<Exclude<FinishReason, 'other'>, string> = {
  stop: 'end_turn',
  length: 'max_tokens',
  'tool-calls': 'tool_use',
  'content-filter': 'refusal',
};

// Events before the first text delta: message_start, then the text block's content_block_start.
function eventsBefore(chunks: number): number {
  return chunks === 0 ? 1 : 2 + chunks;
}

function toReply(answer: LanguageModelConformanceAnswer): FakeAnthropicReply {
  if (answer.kind === 'http-error') {
    return {
      type: 'error',
      status: answer.status,
      message: answer.message,
      ...(answer.retryAfterMs === undefined
        ? {}
        : { headers: { 'retry-after-ms': String(answer.retryAfterMs) } }),
      ...(answer.delayMs === undefined ? {} : { delayMs: answer.delayMs }),
    };
  }
  const calls = answer.toolCalls ?? [];
  const rawToolInput: Record<number, string> = {};
  calls.forEach((call, index) => {
    if ('malformed' in call) rawToolInput[index] = '{"city": "Par';
  });
  const usage = answer.usage;
  return {
    type: 'message',
    ...(answer.text === undefined ? {} : { text: answer.text }),
    ...(answer.textChunks === undefined ? {} : { textChunks: [...answer.textChunks] }),
    toolCalls: calls.map((call) => ({
      id: call.id,
      name: call.name,
      input: 'malformed' in call ? {} : call.arguments,
    })),
    ...(Object.keys(rawToolInput).length === 0 ? {} : { rawToolInput }),
    ...(answer.finishReason === undefined ? {} : { stopReason: stopReasons[answer.finishReason] }),
    // Anthropic counts cache reads apart from the input; Goosuke's input includes them.
    ...(usage === undefined
      ? {}
      : {
          usage: {
            inputTokens: usage.inputTokens - usage.cachedInputTokens,
            outputTokens: usage.outputTokens,
            cacheReadInputTokens: usage.cachedInputTokens,
          },
        }),
    ...(answer.delayMs === undefined ? {} : { delayMs: answer.delayMs }),
    ...(answer.stallAfterChunks === undefined
      ? {}
      : { stallAfterEvents: eventsBefore(answer.stallAfterChunks) }),
    ...(answer.errorAfterChunks === undefined
      ? {}
      : {
          errorAfterEvents: {
            events: eventsBefore(answer.errorAfterChunks.chunks),
            errorType: 'overloaded_error',
            message: answer.errorAfterChunks.message,
          },
        }),
    ...(answer.endAfterChunks === undefined ? {} : { endAfterEvents: eventsBefore(answer.endAfterChunks) }),
  };
}

function toRequest(request: FakeAnthropicRequest): LanguageModelConformanceRequest {
  const body = request.body ?? {};
  const tools = (body.tools ?? []) as Array<{ name: string }>;
  const toolResults: string[] = [];
  for (const message of body.messages ?? []) {
    if (!Array.isArray(message.content)) continue;
    for (const block of message.content as Array<{ type: string; content?: unknown }>) {
      if (block.type === 'tool_result') toolResults.push(String(block.content));
    }
  }
  return {
    stream: body.stream === true,
    toolNames: tools.map((tool) => tool.name),
    maxOutputTokens: typeof body.max_tokens === 'number' ? body.max_tokens : null,
    temperature: typeof body.temperature === 'number' ? body.temperature : null,
    toolResults,
  };
}

describeLanguageModelConformance('anthropic', {
  async create() {
    if (unreachableUrl === undefined) {
      const closed = await startFakeAnthropicServer();
      unreachableUrl = closed.url;
      await closed.close();
    }
    const server = await startFakeAnthropicServer({ apiKey });
    fake = server;
    return {
      apiKey,
      keyVariable: 'ANTHROPIC_API_KEY',
      model: (options = {}) =>
        createAnthropicProvider({
          apiKey: options.apiKey ?? apiKey,
          baseUrl: options.unreachable ? unreachableUrl : server.url,
          // Retries the fake gives no delay for need not wait long.
          retryBaseDelayMs: 1,
          ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
        })(
          'claude-sonnet-4-6',
          options.capabilities === undefined ? undefined : { capabilities: options.capabilities },
        ),
      respond: (...answers) => server.respond(...answers.map(toReply)),
      requests: () => server.requests.map(toRequest),
      pending: () => server.pending(),
      openStreams: () => server.openStreams(),
    };
  },
  async cleanup() {
    await fake?.close();
    fake = undefined;
  },
});
