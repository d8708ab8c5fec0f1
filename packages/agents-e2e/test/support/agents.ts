// The three real agents under test: the provider and model of the profile each runs on, the
// wire it speaks, and the npm packages whose processes are its (for the leftover-process checks).
import type { WireName } from './fake-wires.ts';

export type AgentName = 'gemini' | 'claude-code' | 'codex';

export interface AgentUnderTest {
  readonly name: AgentName;
  readonly provider: 'google' | 'anthropic' | 'openai';
  /** A model the agent knows (Codex drops apply_patch for a slug it does not know). */
  readonly model: string;
  readonly wire: WireName;
  /** Text in the command line of every process of the agent (its package's directory). */
  readonly processMarkers: readonly string[];
  /** The agent's own program (argv[0], or the script Node runs), to tell it from bwrap and its bridge. */
  readonly mainProcess: RegExp;
  /** The profile's base URL on the fake, as the gateway forwards to it. */
  baseUrl(fakeUrl: string): string;
}

export const agents: Readonly<Record<AgentName, AgentUnderTest>> = {
  gemini: {
    name: 'gemini',
    provider: 'google',
    model: 'gemini-2.5-pro',
    wire: 'gemini',
    processMarkers: ['@google/gemini-cli'],
    mainProcess: /@google\/gemini-cli\/bundle\/gemini\.js$/,
    baseUrl: (url) => url,
  },
  'claude-code': {
    name: 'claude-code',
    provider: 'anthropic',
    model: 'claude-sonnet-4-5',
    wire: 'anthropic',
    // The adapter, and the Claude Code it starts (the SDK's cli.js).
    processMarkers: ['@zed-industries/claude-code-acp', '@anthropic-ai/claude-agent-sdk'],
    mainProcess: /@zed-industries\/claude-code-acp\/dist\/index\.js$/,
    baseUrl: (url) => url,
  },
  codex: {
    name: 'codex',
    provider: 'openai',
    model: 'gpt-5.5',
    wire: 'openai-responses',
    processMarkers: ['@zed-industries/codex-acp'],
    // The platform package's native binary (or the npm wrapper, where that is what was found).
    mainProcess: /@zed-industries\/codex-acp(-[a-z0-9]+-[a-z0-9]+)?\/bin\/codex-acp(\.js)?$/,
    // The OpenAI base URL carries the API version; the gateway appends `/responses`.
    baseUrl: (url) => `${url}/v1`,
  },
};

/**
 * The real keys the tests give Goosuke for each provider: the fake insists on them, so a request
 * that reaches it without one did not come through the gateway (which holds them; agents only
 * get run tokens).
 */
export const realKeys: Readonly<Record<WireName, string>> = {
  anthropic: 'sk-ant-e2e-real-key-7f3a9c2e51b84d06',
  'openai-responses': 'sk-openai-e2e-real-key-0c6d2b9e4a7f1358',
  gemini: 'AIza-e2e-real-key-5e1f8a3c9d2b7064',
};
