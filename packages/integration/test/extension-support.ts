// Support for the extension runs tests: the three real providers' SDK clients against their
// loopback fakes, behind one small interface (script tool calls and answers, read what each
// request carried in that provider's wire format), and the MCP stdio fixture server.
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type FakeAnthropicRequestBody,
  fakeAnthropicText,
  fakeAnthropicToolCalls,
  startFakeAnthropicServer,
} from '@goosuke/anthropic/testing';
import type { LanguageModel, LanguageModelResolver, ModelProfile } from '@goosuke/core';
import { type FakeGoogleRequestBody, startFakeGoogleServer } from '@goosuke/google/testing';
import { startFakeOpenAIServer } from '@goosuke/openai/testing';

/** The MCP stdio fixture server of @goosuke/mcp (`goosuke-test-stdio` 1.2.3), run with this Node. */
export const stdioServerPath = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  'mcp',
  'test',
  'fixtures',
  'stdio-server.mjs',
);

/** The providers whose SDKs the tests drive. */
export type ProviderName = 'openai' | 'anthropic' | 'google';

/** A tool call a scripted reply makes. */
export interface ScriptedCall {
  name: string;
  args: Record<string, unknown>;
}

/** A tool result as one request carried it back to the model. */
export interface WireToolResult {
  /** The tool's name, where the wire format carries it (Google); null otherwise. */
  name: string | null;
  content: string;
  isError: boolean;
}

/** One provider's loopback fake, read and scripted the same way whichever provider it is. */
export interface ScriptedProvider {
  readonly provider: ProviderName;
  readonly modelName: string;
  /** What the model profile stores as its base URL. */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Queues a reply that calls these tools (in one turn). */
  callTools(...calls: ScriptedCall[]): void;
  /** Queues a plain text reply. */
  answer(text: string): void;
  /** Scripted replies not used yet. */
  pending(): number;
  /** The bodies of the model calls received, in order (other requests left out). */
  bodies(): Record<string, unknown>[];
  /** The names of the tools the `index`th call offered; empty when it offered none. */
  toolNames(index: number): string[];
  /** The tool results the `index`th call sent back, as the provider's wire format holds them. */
  toolResults(index: number): WireToolResult[];
  close(): Promise<void>;
}

const textOf = (content: unknown): string =>
  typeof content === 'string'
    ? content
    : Array.isArray(content)
      ? content.map((block: { text?: string }) => block.text ?? '').join('')
      : '';

async function openaiFake(): Promise<ScriptedProvider> {
  const apiKey = 'sk-it-extensions-openai-5d1c9e7a';
  const fake = await startFakeOpenAIServer({ apiKey });
  const bodies = () =>
    fake.requests
      .filter((request) => request.path.endsWith('/chat/completions') && request.body !== null)
      .map((request) => request.body as Record<string, unknown>);
  return {
    provider: 'openai',
    modelName: 'gpt-4.1',
    baseUrl: fake.url,
    apiKey,
    callTools: (...calls) =>
      fake.respond({
        kind: 'reply',
        toolCalls: calls.map((call) => ({ name: call.name, arguments: call.args })),
      }),
    answer: (text) => fake.respond({ kind: 'reply', text }),
    pending: () => fake.pending(),
    bodies,
    toolNames: (index) =>
      ((bodies()[index]?.tools ?? []) as Array<{ function: { name: string } }>).map(
        (tool) => tool.function.name,
      ),
    // OpenAI: a `role: tool` message per result; an error's text is prefixed with `Error: `.
    toolResults: (index) =>
      ((bodies()[index]?.messages ?? []) as Array<{ role: string; content: unknown }>)
        .filter((message) => message.role === 'tool')
        .map((message) => {
          const content = textOf(message.content);
          return content.startsWith('Error: ')
            ? { name: null, content: content.slice('Error: '.length), isError: true }
            : { name: null, content, isError: false };
        }),
    close: () => fake.close(),
  };
}

async function anthropicFake(): Promise<ScriptedProvider> {
  const apiKey = 'sk-ant-it-extensions-8b2e4f60';
  const fake = await startFakeAnthropicServer({ apiKey });
  const bodies = () =>
    fake.requests
      .filter((request) => request.path.split('?')[0] === '/v1/messages' && request.body !== null)
      .map((request) => request.body as FakeAnthropicRequestBody);
  return {
    provider: 'anthropic',
    modelName: 'claude-sonnet-4-5',
    baseUrl: fake.url,
    apiKey,
    callTools: (...calls) =>
      fake.respond(fakeAnthropicToolCalls(calls.map((call) => ({ name: call.name, input: call.args })))),
    answer: (text) => fake.respond(fakeAnthropicText(text)),
    pending: () => fake.pending(),
    bodies,
    toolNames: (index) =>
      ((bodies()[index]?.tools ?? []) as Array<{ name: string }>).map((tool) => tool.name),
    // Anthropic: `tool_result` blocks in a user turn, `is_error: true` on a failure.
    toolResults: (index) =>
      (bodies()[index]?.messages ?? []).flatMap((message) =>
        Array.isArray(message.content)
          ? (message.content as Array<{ type: string; content?: unknown; is_error?: boolean }>)
              .filter((block) => block.type === 'tool_result')
              .map((block) => ({
                name: null,
                content: textOf(block.content),
                isError: block.is_error === true,
              }))
          : [],
      ),
    close: () => fake.close(),
  };
}

async function googleFake(): Promise<ScriptedProvider> {
  const apiKey = 'AIza-it-extensions-3c7d9a1f';
  const fake = await startFakeGoogleServer({ apiKey });
  const bodies = () =>
    fake.requests
      .filter((request) => request.model !== null && request.body !== null)
      .map((request) => request.body as FakeGoogleRequestBody);
  return {
    provider: 'google',
    modelName: 'gemini-2.5-pro',
    baseUrl: fake.url,
    apiKey,
    callTools: (...calls) =>
      fake.respond({
        kind: 'reply',
        functionCalls: calls.map((call) => ({ name: call.name, args: call.args })),
      }),
    answer: (text) => fake.respond({ kind: 'reply', text }),
    pending: () => fake.pending(),
    bodies,
    toolNames: (index) =>
      (bodies()[index]?.tools ?? []).flatMap((tool) =>
        (tool.functionDeclarations ?? []).map((declaration) => String(declaration.name)),
      ),
    // Google: `functionResponse` parts, `{ output }` or `{ error }`.
    toolResults: (index) =>
      (bodies()[index]?.contents ?? []).flatMap((content) =>
        (content.parts ?? []).flatMap((part) => {
          const response = part.functionResponse as
            | { name: string; response: { output?: string; error?: string } }
            | undefined;
          if (response === undefined) return [];
          const isError = response.response.error !== undefined;
          return [
            {
              name: response.name,
              content: String(isError ? response.response.error : response.response.output),
              isError,
            },
          ];
        }),
      ),
    close: () => fake.close(),
  };
}

/** Starts `provider`'s loopback fake. */
export function startScriptedProvider(provider: ProviderName): Promise<ScriptedProvider> {
  switch (provider) {
    case 'openai':
      return openaiFake();
    case 'anthropic':
      return anthropicFake();
    case 'google':
      return googleFake();
  }
}

/**
 * Goosuke's language models on the real provider SDKs: each profile's stored key and base URL (a
 * fake's), no retries, so that a scripting mistake fails at once.
 */
export const providerLanguageModels: LanguageModelResolver = async (
  profile: ModelProfile,
  apiKey: string | null,
): Promise<LanguageModel> => {
  const keyed = { apiKey: apiKey ?? '', ...(profile.baseUrl === null ? {} : { baseUrl: profile.baseUrl }) };
  const options = { capabilities: profile.capabilities };
  switch (profile.provider) {
    case 'openai':
    case 'openai-compatible': {
      const { createOpenAIProvider } = await import('@goosuke/openai');
      return createOpenAIProvider({ provider: profile.provider, ...keyed, maxRetries: 0 })(
        profile.modelName,
        options,
      );
    }
    case 'anthropic': {
      const { createAnthropicProvider } = await import('@goosuke/anthropic');
      return createAnthropicProvider({ ...keyed, maxRetries: 0 })(profile.modelName, options);
    }
    case 'google': {
      const { createGoogleProvider } = await import('@goosuke/google');
      return createGoogleProvider({ ...keyed, maxRetries: 0 })(profile.modelName, options);
    }
  }
};

/** The host pids whose command line holds `marker` (a sandboxed server's included), this one excepted. */
export async function processesWith(marker: string): Promise<number[]> {
  const found: number[] = [];
  for (const entry of await readdir('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '');
    if (cmdline.includes(marker)) found.push(Number(entry));
  }
  return found;
}

/** Kills, by id, the processes a failed test left (each by its own pid). */
export function killPids(pids: readonly number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {}
  }
}
