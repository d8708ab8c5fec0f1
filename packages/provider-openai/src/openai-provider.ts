import {
  type FinishReason,
  type GenerateOptions,
  type Generation,
  type GenerationDelta,
  type LanguageModel,
  type LanguageModelProvider,
  type ModelCapabilities,
  type ModelCapabilityOverrides,
  ProviderError,
  type TokenUsage,
  type ToolCall,
} from '@goosuke/core';
import { jsonRequestBody, resolveModelCapabilities, withProviderRetry } from '@goosuke/core/implementing';
import type OpenAI from 'openai';
import type { ChatCompletionChunk } from 'openai/resources/chat/completions';
import {
  type ChatRequestBody,
  toChatRequest,
  toFinishReason,
  toTokenUsage,
  toToolCall,
} from './openai-chat-mapping.ts';
import { openAIClientFor } from './openai-client-cache.ts';
import { toGoosukeError } from './openai-errors.ts';
import {
  type OpenAIProviderOptions,
  type ResolvedOpenAIProviderOptions,
  resolveOpenAIProviderOptions,
} from './openai-provider-options.ts';

/**
 * One attempt's abort plumbing: its own controller, aborted by the caller's signal or by the
 * attempt's timer (which marks `timedOut`), so the SDK sees one signal for both.
 */
class Attempt {
  readonly controller = new AbortController();
  timedOut = false;
  private readonly timer: ReturnType<typeof setTimeout>;
  private readonly onCallerAbort = () => this.controller.abort(this.callerSignal?.reason);

  constructor(
    timeoutMs: number,
    private readonly callerSignal: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => {
      this.timedOut = true;
      this.controller.abort(new Error(`timed out after ${timeoutMs} ms`));
    }, timeoutMs);
    if (callerSignal?.aborted) this.controller.abort(callerSignal.reason);
    else callerSignal?.addEventListener('abort', this.onCallerAbort, { once: true });
  }

  dispose(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener('abort', this.onCallerAbort);
  }
}

/** A stream whose first meaningful chunks have been read (retries end there). */
interface OpenedStream {
  attempt: Attempt;
  iterator: AsyncIterator<ChatCompletionChunk>;
  buffered: ChatCompletionChunk[];
  done: boolean;
}

interface PartialToolCall {
  id: string | undefined;
  name: string | undefined;
  arguments: string;
}

function isMeaningful(chunk: ChatCompletionChunk): boolean {
  if (chunk.usage) return true;
  return (chunk.choices ?? []).some(
    (choice) =>
      Boolean(choice.delta?.content) ||
      (choice.delta?.tool_calls?.length ?? 0) > 0 ||
      Boolean(choice.finish_reason),
  );
}

class OpenAILanguageModel implements LanguageModel {
  readonly provider: string;
  readonly capabilities: ModelCapabilities;

  constructor(
    private readonly settings: ResolvedOpenAIProviderOptions,
    private readonly client: OpenAI,
    readonly modelId: string,
    overrides: ModelCapabilityOverrides | undefined,
  ) {
    this.provider = settings.provider;
    this.capabilities = resolveModelCapabilities(settings.provider, modelId, overrides);
  }

  private retryOptions(signal: AbortSignal | undefined) {
    return {
      maxRetries: this.settings.maxRetries,
      ...(signal === undefined ? {} : { signal }),
      ...(this.settings.onRetry === undefined ? {} : { onRetry: this.settings.onRetry }),
    };
  }

  private request(options: GenerateOptions): ChatRequestBody {
    return toChatRequest(this.provider, this.modelId, this.capabilities, options);
  }

  async generate(options: GenerateOptions): Promise<Generation> {
    const body = this.request(options);
    const completion = await withProviderRetry(async () => {
      const attempt = new Attempt(this.settings.timeoutMs, options.signal);
      try {
        const params = { ...body, stream: false as const };
        return await this.client.chat.completions.create(params, {
          ...jsonRequestBody(params),
          signal: attempt.controller.signal,
          timeout: this.settings.timeoutMs,
        });
      } catch (error) {
        throw toGoosukeError(error, {
          settings: this.settings,
          signal: options.signal,
          timedOut: attempt.timedOut,
        });
      } finally {
        attempt.dispose();
      }
    }, this.retryOptions(options.signal));

    const usage = toTokenUsage(completion.usage);
    const choice = completion.choices?.[0];
    if (!choice) {
      // No choice at all means the provider withheld the answer (moderation on some compatible
      // gateways); an empty "stop" would be mistaken for a real, empty answer.
      return { text: '', toolCalls: [], usage, finishReason: 'content-filter' };
    }
    const toolCalls: ToolCall[] = (choice.message?.tool_calls ?? []).flatMap((call, index) =>
      call.type === 'function'
        ? [
            toToolCall(
              this.provider,
              { id: call.id, name: call.function?.name, arguments: call.function?.arguments },
              index,
            ),
          ]
        : [],
    );
    return {
      text: choice.message?.content ?? '',
      toolCalls,
      usage,
      finishReason: toFinishReason(choice.finish_reason, toolCalls.length > 0),
    };
  }

  private async openStream(body: ChatRequestBody, signal: AbortSignal | undefined): Promise<OpenedStream> {
    const attempt = new Attempt(this.settings.timeoutMs, signal);
    try {
      const params = { ...body, stream: true as const, stream_options: { include_usage: true } };
      const stream = await this.client.chat.completions.create(params, {
        ...jsonRequestBody(params),
        signal: attempt.controller.signal,
        timeout: this.settings.timeoutMs,
      });
      const iterator = stream[Symbol.asyncIterator]();
      const buffered: ChatCompletionChunk[] = [];
      // Read up to the first chunk that yields something: failures until then are retried.
      for (;;) {
        const next = await iterator.next();
        if (next.done) return { attempt, iterator, buffered, done: true };
        buffered.push(next.value);
        if (isMeaningful(next.value)) return { attempt, iterator, buffered, done: false };
      }
    } catch (error) {
      attempt.dispose();
      throw toGoosukeError(error, { settings: this.settings, signal, timedOut: attempt.timedOut });
    }
  }

  async *stream(options: GenerateOptions): AsyncIterable<GenerationDelta> {
    const body = this.request(options);
    const opened = await withProviderRetry(
      () => this.openStream(body, options.signal),
      this.retryOptions(options.signal),
    );
    const { attempt, iterator } = opened;
    const partials = new Map<number, PartialToolCall>();
    let sawChoice = false;
    let rawFinish: string | null = null;
    let usage: TokenUsage = toTokenUsage(undefined);
    let toolCallsSent = false;
    let toolCallCount = 0;
    const self = this;

    function* completeToolCalls(): Generator<GenerationDelta> {
      if (toolCallsSent) return;
      toolCallsSent = true;
      const ordered = [...partials.entries()].sort(([a], [b]) => a - b);
      for (const [index, partial] of ordered) {
        toolCallCount++;
        yield { type: 'tool-call', toolCall: toToolCall(self.provider, partial, index) };
      }
    }

    function* handle(chunk: ChatCompletionChunk): Generator<GenerationDelta> {
      if (chunk.usage) usage = toTokenUsage(chunk.usage);
      // Goosuke asks for one answer (n = 1): only choice 0 matters.
      const choice = (chunk.choices ?? []).find((candidate) => (candidate.index ?? 0) === 0);
      if (!choice) return;
      sawChoice = true;
      const delta = choice.delta ?? {};
      if (delta.content) yield { type: 'text', text: delta.content };
      for (const fragment of delta.tool_calls ?? []) {
        const index = fragment.index ?? 0;
        const partial = partials.get(index) ?? { id: undefined, name: undefined, arguments: '' };
        if (fragment.id) partial.id = fragment.id;
        if (fragment.function?.name) partial.name = (partial.name ?? '') + fragment.function.name;
        if (fragment.function?.arguments) partial.arguments += fragment.function.arguments;
        partials.set(index, partial);
      }
      if (choice.finish_reason) {
        rawFinish = choice.finish_reason;
        yield* completeToolCalls();
      }
    }

    try {
      for (const chunk of opened.buffered) yield* handle(chunk);
      let done = opened.done;
      while (!done) {
        const next = await iterator.next();
        if (next.done) done = true;
        else yield* handle(next.value);
      }
      // The SDK ends the stream quietly when its signal aborts: a cut stream is not a finish.
      if (attempt.controller.signal.aborted) throw new Error('the stream was interrupted');
      // Nor is a body that ended after choices but before any finish_reason (a cut connection).
      if (sawChoice && rawFinish === null) {
        throw new ProviderError(
          this.provider,
          `${this.provider}: the stream ended before the model finished (no finish_reason); retry the call`,
          { status: null, retryable: true },
        );
      }
      yield* completeToolCalls();
      const finishReason: FinishReason = sawChoice
        ? toFinishReason(rawFinish, toolCallCount > 0)
        : 'content-filter';
      yield { type: 'finish', usage, finishReason };
    } catch (error) {
      throw toGoosukeError(error, {
        settings: this.settings,
        signal: options.signal,
        timedOut: attempt.timedOut,
      });
    } finally {
      attempt.dispose();
      // Stops the HTTP body when the consumer leaves early (break, or an error above).
      await iterator.return?.().catch(() => undefined);
    }
  }
}

/**
 * Creates a provider for OpenAI or an OpenAI-compatible server (Ollama, vLLM, OpenRouter…)
 * on the Chat Completions API. Calling it with a model id returns a LanguageModel whose
 * capabilities come from `resolveModelCapabilities(provider, modelId, overrides)`.
 *
 * Failures are ProviderError (status, retryAfterMs, key redacted) or GoosukeError('canceled');
 * 408/409/429/5xx, network failures and timeouts are retried `maxRetries` times by
 * `withProviderRetry` (the SDK's own retries are off). Streams retry only before their first
 * delta. Throws GoosukeError('secret_key') for `openai` without a key and InvalidInputError
 * for `openai-compatible` without a base URL. SDK clients are shared per (base URL, key).
 */
export function createOpenAIProvider(options: OpenAIProviderOptions): LanguageModelProvider {
  const settings = resolveOpenAIProviderOptions(options);
  const client = openAIClientFor(settings);
  return (modelId, modelOptions) =>
    new OpenAILanguageModel(settings, client, modelId, modelOptions?.capabilities);
}
