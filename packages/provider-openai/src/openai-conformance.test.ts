import type { FinishReason, TokenUsage } from '@goosuke/core';
import {
  describeLanguageModelConformance,
  type LanguageModelConformanceAnswer,
  type LanguageModelConformanceRequest,
} from '@goosuke/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { createOpenAIProvider } from './openai-provider.ts';
import {
  type FakeOpenAIRequest,
  type FakeOpenAIResponse,
  type FakeOpenAIServer,
  isolateOpenAIEnvironment,
  startFakeOpenAIServer,
} from './testing/index.ts';

const apiKey = 'sk-conformance-0123456789abcdef';
let restoreEnvironment: () => void;
let fake: FakeOpenAIServer | undefined;
let unreachableUrl: string | undefined;

beforeAll(() => {
  restoreEnvironment = isolateOpenAIEnvironment();
});
afterAll(() => restoreEnvironment());

const finishReasons: Record<
  Exclude<FinishReason, 'other'>,
  'stop' | 'length' | 'tool_calls' | 'content_filter'
> = {
  stop: 'stop',
  length: 'length',
  'tool-calls': 'tool_calls',
  'content-filter': 'content_filter',
};

function toUsage(usage: TokenUsage | undefined) {
  return (
    usage && {
      promptTokens: usage.inputTokens,
      completionTokens: usage.outputTokens,
      cachedTokens: usage.cachedInputTokens,
    }
  );
}

function toResponse(answer: LanguageModelConformanceAnswer): FakeOpenAIResponse {
  if (answer.kind === 'http-error') {
    return {
      kind: 'error',
      status: answer.status,
      message: answer.message,
      ...(answer.retryAfterMs === undefined
        ? {}
        : { headers: { 'retry-after': String(answer.retryAfterMs / 1000) } }),
      ...(answer.delayMs === undefined ? {} : { delayMs: answer.delayMs }),
    };
  }
  const chunks = [...(answer.textChunks ?? (answer.text ? [answer.text] : []))];
  const cut = answer.stallAfterChunks ?? answer.errorAfterChunks?.chunks ?? answer.endAfterChunks;
  return {
    kind: 'reply',
    text: answer.text ?? chunks.join(''),
    textChunks: cut === undefined ? chunks : chunks.slice(0, cut),
    toolCalls: (answer.toolCalls ?? []).map((call) =>
      'malformed' in call
        ? { id: call.id, name: call.name, arguments: '{"city": "Par' }
        : { id: call.id, name: call.name, arguments: call.arguments },
    ),
    ...(answer.finishReason === undefined ? {} : { finishReason: finishReasons[answer.finishReason] }),
    ...(answer.usage === undefined ? {} : { usage: toUsage(answer.usage) }),
    ...(answer.delayMs === undefined ? {} : { delayMs: answer.delayMs }),
    ...(answer.stallAfterChunks === undefined ? {} : { hang: true }),
    ...(answer.errorAfterChunks === undefined
      ? {}
      : { streamError: { message: answer.errorAfterChunks.message } }),
    ...(answer.endAfterChunks === undefined ? {} : { cutShort: true }),
  };
}

function toRequest(request: FakeOpenAIRequest): LanguageModelConformanceRequest {
  const body = request.body ?? {};
  const tools = (body.tools ?? []) as Array<{ function: { name: string } }>;
  const messages = (body.messages ?? []) as Array<{ role: string; content: unknown }>;
  const limit = body.max_completion_tokens ?? body.max_tokens;
  return {
    stream: body.stream === true,
    toolNames: tools.map((tool) => tool.function.name),
    maxOutputTokens: typeof limit === 'number' ? limit : null,
    temperature: typeof body.temperature === 'number' ? body.temperature : null,
    toolResults: messages
      .filter((message) => message.role === 'tool')
      .map((message) => String(message.content)),
  };
}

describeLanguageModelConformance('openai', {
  async create() {
    if (unreachableUrl === undefined) {
      const closed = await startFakeOpenAIServer();
      unreachableUrl = closed.url;
      await closed.close();
    }
    const server = await startFakeOpenAIServer({ apiKey });
    fake = server;
    return {
      apiKey,
      keyVariable: 'OPENAI_API_KEY',
      model: (options = {}) =>
        createOpenAIProvider({
          apiKey: options.apiKey ?? apiKey,
          baseUrl: options.unreachable ? unreachableUrl : server.url,
          ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
        })('gpt-4o', options.capabilities === undefined ? undefined : { capabilities: options.capabilities }),
      respond: (...answers) => server.respond(...answers.map(toResponse)),
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
