import type { AgentWire } from '@goosuke/core';
import { anthropicWire } from './anthropic-wire.ts';
import { geminiWire } from './gemini-wire.ts';
import { openaiChatWire, openaiResponsesWire } from './openai-wires.ts';
import type { GatewayRefusal, WireSpec } from './wire-spec.ts';

/** The spec of every wire the gateway serves. */
export const wireSpecs: Readonly<Record<AgentWire, WireSpec>> = {
  anthropic: anthropicWire,
  'openai-responses': openaiResponsesWire,
  'openai-chat': openaiChatWire,
  gemini: geminiWire,
};

/**
 * The wire a request path looks like, for errors on a path no open lease owns (its wire is
 * unknown): an agent still gets an error its SDK can read.
 */
export function wireOfPath(path: string): AgentWire {
  if (path.startsWith('/v1beta/') || /^\/v1\/models\/[^/]+:/.test(path)) return 'gemini';
  if (path.includes('/v1/messages')) return 'anthropic';
  if (path.includes('/v1/responses')) return 'openai-responses';
  return 'openai-chat';
}

/**
 * The status and message of each refusal. Every message starts with `goosuke gateway:` so that
 * whoever reads the agent's log knows the gateway answered, not the provider; none holds a
 * token, a key or an upstream URL.
 */
export const refusals: Readonly<Record<GatewayRefusal, { status: number; message: string }>> = {
  unauthorized: { status: 401, message: 'goosuke gateway: invalid or revoked run token' },
  'not-found': { status: 404, message: 'goosuke gateway: no such endpoint for this run' },
  'too-large': { status: 413, message: 'goosuke gateway: the request body is too large' },
  'invalid-json': { status: 400, message: 'goosuke gateway: the request body is not a JSON object' },
  // 400, not 429 or 5xx: the SDKs retry those, and a spent budget does not come back.
  budget: {
    status: 400,
    message: "goosuke gateway: budget exceeded: the run's token or cost limit is reached",
  },
  unreachable: { status: 502, message: 'goosuke gateway: the model provider could not be reached' },
  timeout: { status: 504, message: 'goosuke gateway: the model provider did not answer in time' },
  'bad-upstream': { status: 502, message: 'goosuke gateway: the model provider sent an unusable answer' },
};
