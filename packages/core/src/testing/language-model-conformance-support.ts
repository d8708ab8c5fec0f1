import { inspect } from 'node:util';
import { expect } from 'vitest';
import { ProviderError } from '../errors/index.ts';
import type { GenerateOptions, GenerationDelta, LanguageModel, ToolSpec } from '../ports/index.ts';
import { expectGoosukeError } from './conformance-assertions.ts';

// Shared by the language model conformance cases; not exported from the package.

/** Generous bound for "promptly" on a loaded two-core machine, far below the scripted waits. */
export const promptlyMs = 1000;

export const testTimeoutMs = 15_000;

export const weatherTool: ToolSpec = {
  name: 'get_weather',
  description: 'The current weather in a city.',
  inputSchema: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
};

export const ask: GenerateOptions = { messages: [{ role: 'user', content: 'Hi' }] };

/** Everything a stream gave before it ended, and what it threw (undefined when it finished). */
export interface StreamOutcome {
  deltas: GenerationDelta[];
  error: unknown;
}

/** The model's stream; the case is skipped (with the reason) for a model without one. */
export function streamOf(
  model: LanguageModel,
  context: { skip: (note?: string) => never },
): (options: GenerateOptions) => AsyncIterable<GenerationDelta> {
  const stream = model.stream?.bind(model);
  if (!stream) context.skip('the model has no stream method (streaming is optional)');
  return stream;
}

/** Reads a stream to its end; `onDelta` sees each delta as it comes. */
export async function readStream(
  stream: AsyncIterable<GenerationDelta>,
  onDelta?: (delta: GenerationDelta, index: number) => void,
): Promise<StreamOutcome> {
  const deltas: GenerationDelta[] = [];
  try {
    for await (const delta of stream) {
      deltas.push(delta);
      onDelta?.(delta, deltas.length - 1);
    }
  } catch (error) {
    return { deltas, error };
  }
  return { deltas, error: undefined };
}

/** Asserts a stream ended with exactly one `finish` delta, last. */
export function expectOneFinishLast(deltas: GenerationDelta[]): void {
  expect(
    deltas.filter((delta) => delta.type === 'finish'),
    'exactly one finish delta',
  ).toHaveLength(1);
  expect(deltas.at(-1)?.type, 'the finish delta comes last').toBe('finish');
}

/** Asserts `error` is a one-line ProviderError of `model`'s provider and returns it. */
export function expectProviderError(error: unknown, model: LanguageModel): ProviderError {
  expectGoosukeError(error, 'provider');
  expect(error, 'a ProviderError').toBeInstanceOf(ProviderError);
  const providerError = error as ProviderError;
  expect(providerError.provider).toBe(model.provider);
  expect(providerError.message, 'the message is one line').not.toMatch(/[\r\n]/);
  return providerError;
}

/**
 * Asserts that `secret` appears nowhere a log could reach: the message, the JSON view, the
 * printed error, and every property of the error and of its causes.
 */
export function expectSecretAbsent(error: unknown, secret: string): void {
  // JSON.stringify uses the error's toJSON, as loggers do.
  const views = [String(error), JSON.stringify(error) ?? '', inspect(error, { depth: 8 })];
  views.push(...reachableStrings(error));
  for (const view of views)
    expect(view.includes(secret), `the key leaks into: ${clip(view, secret)}`).toBe(false);
}

function reachableStrings(root: unknown): string[] {
  const strings: string[] = [];
  const seen = new Set<unknown>();
  const visit = (value: unknown, depth: number): void => {
    if (typeof value === 'string') {
      strings.push(value);
      return;
    }
    if (typeof value !== 'object' || value === null || seen.has(value) || depth > 8 || seen.size > 5000)
      return;
    seen.add(value);
    // Own properties, enumerable or not (message, stack and cause are not enumerable).
    for (const key of Object.getOwnPropertyNames(value)) {
      let child: unknown;
      try {
        child = (value as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      visit(child, depth + 1);
    }
  };
  visit(root, 0);
  return strings;
}

function clip(view: string, secret: string): string {
  const at = view.indexOf(secret);
  return at === -1 ? '' : view.slice(Math.max(0, at - 80), at + secret.length + 40);
}

/** A key the fake refuses, recognisable wherever it leaks. */
export function wrongKey(): string {
  return `wrong-key-${Math.random().toString(36).slice(2)}-0123456789abcdef`;
}

/** A signal aborted already. */
export function abortedSignal(): AbortSignal {
  const controller = new AbortController();
  controller.abort(new Error('stopped by the test'));
  return controller.signal;
}
