import type { FinishReason, TokenUsage } from '@goosuke/core';
import {
  describeLanguageModelConformance,
  type LanguageModelConformanceAnswer,
  type LanguageModelConformanceRequest,
} from '@goosuke/core/testing';
import { afterAll, beforeAll } from 'vitest';
import { createGoogleProvider } from './google-provider.ts';
import {
  type FakeGoogleReply,
  type FakeGoogleRequest,
  type FakeGoogleServer,
  isolateGoogleEnvironment,
  startFakeGoogleServer,
} from './testing/index.ts';

const apiKey = 'AIzaConformanceKey-0123456789abcdef';
let restoreEnvironment: () => void;
let fake: FakeGoogleServer | undefined;
let unreachableUrl: string | undefined;

beforeAll(() => {
  restoreEnvironment = isolateGoogleEnvironment();
});
afterAll(() => restoreEnvironment());

const finishReasons: Record<Exclude<FinishReason, 'other'>, string> = {
  stop: 'STOP',
  length: 'MAX_TOKENS',
  // Gemini says STOP after function calls too.
  'tool-calls': 'STOP',
  'content-filter': 'SAFETY',
};

function toUsage(usage: TokenUsage) {
  return {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: usage.outputTokens,
    cachedContentTokenCount: usage.cachedInputTokens,
  };
}

function toReply(answer: LanguageModelConformanceAnswer): FakeGoogleReply {
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
  const calls = answer.toolCalls ?? [];
  if (calls.some((call) => 'malformed' in call)) {
    // Gemini's arguments are JSON already: malformed means not an object.
    return {
      kind: 'raw',
      body: {
        candidates: [
          {
            content: {
              role: 'model',
              parts: calls.map((call) => ({
                functionCall: {
                  id: call.id,
                  name: call.name,
                  args: 'malformed' in call ? ['Paris'] : call.arguments,
                },
              })),
            },
            finishReason: 'STOP',
          },
        ],
      },
    };
  }
  const chunks = [...(answer.textChunks ?? (answer.text ? [answer.text] : []))];
  return {
    kind: 'reply',
    // The fake sends the error frame after the text frames it has.
    text: answer.errorAfterChunks ? chunks.slice(0, answer.errorAfterChunks.chunks) : chunks,
    functionCalls: calls.map((call) => ({
      id: call.id,
      name: call.name,
      args: 'malformed' in call ? {} : call.arguments,
    })),
    ...(answer.finishReason === undefined ? {} : { finishReason: finishReasons[answer.finishReason] }),
    ...(answer.usage === undefined ? {} : { usage: toUsage(answer.usage) }),
    ...(answer.delayMs === undefined ? {} : { delayMs: answer.delayMs }),
    ...(answer.stallAfterChunks === undefined ? {} : { stallAfterFrames: answer.stallAfterChunks }),
    ...(answer.endAfterChunks === undefined ? {} : { endAfterFrames: answer.endAfterChunks }),
    ...(answer.errorAfterChunks === undefined
      ? {}
      : { streamError: { code: 503, status: 'UNAVAILABLE', message: answer.errorAfterChunks.message } }),
  };
}

function toRequest(request: FakeGoogleRequest): LanguageModelConformanceRequest {
  const body = request.body ?? {};
  const declarations = (body.tools ?? []).flatMap((tool) => tool.functionDeclarations ?? []);
  const toolResults: string[] = [];
  for (const content of body.contents ?? []) {
    for (const part of content.parts ?? []) {
      const response = (
        part.functionResponse as { response?: { output?: unknown; error?: unknown } } | undefined
      )?.response;
      if (response) toolResults.push(String(response.output ?? response.error));
    }
  }
  const config = body.generationConfig ?? {};
  return {
    stream: request.stream,
    toolNames: declarations.map((declaration) => String(declaration.name)),
    maxOutputTokens: typeof config.maxOutputTokens === 'number' ? config.maxOutputTokens : null,
    temperature: typeof config.temperature === 'number' ? config.temperature : null,
    toolResults,
  };
}

describeLanguageModelConformance('google', {
  async create() {
    if (unreachableUrl === undefined) {
      const closed = await startFakeGoogleServer();
      unreachableUrl = closed.url;
      await closed.close();
    }
    const server = await startFakeGoogleServer({ apiKey });
    fake = server;
    return {
      apiKey,
      keyVariable: 'GEMINI_API_KEY',
      model: (options = {}) =>
        createGoogleProvider({
          apiKey: options.apiKey ?? apiKey,
          baseUrl: options.unreachable ? unreachableUrl : server.url,
          ...(options.maxRetries === undefined ? {} : { maxRetries: options.maxRetries }),
          ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
          ...(options.onRetry === undefined ? {} : { onRetry: options.onRetry }),
        })(
          'gemini-2.5-pro',
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
