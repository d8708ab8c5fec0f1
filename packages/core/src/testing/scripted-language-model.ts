import {
  type ModelCapabilities,
  type ModelProvider,
  modelProviderSchema,
  resolveModelCapabilities,
} from '../domain/index.ts';
import type { GenerateOptions, Generation, LanguageModel, TokenUsage } from '../ports/index.ts';

/** One scripted answer: a text, or a function of the request and the 0-based call index. */
export type ScriptedReply =
  | string
  | ((request: GenerateOptions, callIndex: number) => string | Generation | Promise<string | Generation>);

/** Options of {@link createScriptedLanguageModel}. */
export interface ScriptedLanguageModelOptions {
  /** Default `openai`. A name that is not a known provider gets the `openai-compatible` table entry. */
  provider?: string;
  /** Default `scripted-model`. */
  modelId?: string;
  /** Overrides of the capabilities `resolveModelCapabilities` gives for provider and model. */
  capabilities?: Partial<ModelCapabilities>;
  /** The answers, in call order. */
  replies: ScriptedReply[];
  /** Usage of the Generation a string reply becomes; default 100 in, 20 out, 0 cached. */
  usage?: TokenUsage;
  /** Wait this long before answering each call (abortably); default 0. */
  delayMs?: number;
}

/** A LanguageModel that answers from a script and remembers every request. */
export interface ScriptedLanguageModel extends LanguageModel {
  /** Every request, in call order, including calls that were aborted or found the script empty. */
  readonly calls: GenerateOptions[];
}

const defaultUsage: TokenUsage = { inputTokens: 100, outputTokens: 20, cachedInputTokens: 0 };

/**
 * A LanguageModel test double for code that drives the port (agents, services); it stands in
 * for no provider SDK. Call N gets `replies[N]`: a string becomes `{ text, toolCalls: [],
 * usage, finishReason: 'stop' }`; a function may return a string or a full Generation (to
 * script `finishReason: 'length'`, tool calls or other usage) or throw (e.g. a ProviderError).
 *
 * Every request is recorded in `calls` before anything else happens. A `signal` already
 * aborted, or aborted during `delayMs`, rejects with the signal's reason. A call past the end
 * of the script throws an Error that says how many replies there were.
 */
export function createScriptedLanguageModel(options: ScriptedLanguageModelOptions): ScriptedLanguageModel {
  const provider = options.provider ?? 'openai';
  const modelId = options.modelId ?? 'scripted-model';
  const known = modelProviderSchema.safeParse(provider);
  const tableProvider: ModelProvider = known.success ? known.data : 'openai-compatible';
  const capabilities = resolveModelCapabilities(tableProvider, modelId, options.capabilities ?? {});
  const usage = options.usage ?? defaultUsage;
  const replies = [...options.replies];
  const calls: GenerateOptions[] = [];

  return {
    provider,
    modelId,
    capabilities,
    calls,
    async generate(request) {
      const callIndex = calls.length;
      calls.push(request);
      request.signal?.throwIfAborted();
      if ((options.delayMs ?? 0) > 0) await abortableDelay(options.delayMs!, request.signal);
      const reply = replies[callIndex];
      if (reply === undefined) {
        throw new Error(
          `the scripted model ${provider}/${modelId} was called ${callIndex + 1} times but has only ${replies.length} replies; add more to the script`,
        );
      }
      const answer = typeof reply === 'string' ? reply : await reply(request, callIndex);
      request.signal?.throwIfAborted();
      return typeof answer === 'string'
        ? { text: answer, toolCalls: [], usage: { ...usage }, finishReason: 'stop' }
        : answer;
    },
  };
}

function abortableDelay(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
