import path from 'node:path';
import type { AgentWire } from '@goosuke/core';
import { InvalidInputError } from '@goosuke/core';
import type { GatewayEndpoint } from './gateway-endpoint.ts';
import type { AgentExecutable, AgentRecipeInput } from './recipe-types.ts';

/** The directories every agent's PATH ends with: the system's tools (git, sh, rg where installed). */
const systemPath = ['/usr/bin', '/bin'];

/** The Node binary a recipe uses: the input's, else this process's. */
export function nodeOf(input: Pick<AgentRecipeInput, 'nodePath'>): string {
  const node = input.nodePath ?? process.execPath;
  if (!path.isAbsolute(node)) {
    throw new InvalidInputError(`nodePath must be an absolute path, not ${JSON.stringify(node)}`);
  }
  return node;
}

/**
 * The environment every agent starts from: PATH (the Node binary's directory first, since the npm
 * agents start more Node processes by name, then `/usr/bin:/bin`) and `LANG=C.UTF-8`. Nothing
 * of this process's environment: HOME and TMPDIR are the sandbox's.
 */
export function baseEnvironment(node: string): Record<string, string> {
  const dirs = [path.dirname(node), ...systemPath];
  return { PATH: [...new Set(dirs)].join(':'), LANG: 'C.UTF-8' };
}

/** `command` and leading `args` that start `executable` (scripts through `node`). */
export function launchOf(executable: AgentExecutable, node: string): { command: string; args: string[] } {
  if (typeof executable !== 'object' || executable === null || !path.isAbsolute(executable.path)) {
    throw new InvalidInputError('the agent executable must be given by an absolute path');
  }
  return executable.runWith === 'node'
    ? { command: node, args: [executable.path] }
    : { command: executable.path, args: [] };
}

/**
 * The model name as a recipe passes it on a command line or in a config file.
 * @throws InvalidInputError when it is empty, multi-line, or starts with `-` (it would read as a flag).
 */
export function readModel(model: string): string {
  if (typeof model !== 'string' || model.trim() === '' || /[\0\r\n]/.test(model) || model.startsWith('-')) {
    throw new InvalidInputError(`the model name ${JSON.stringify(model)} is not usable on a command line`);
  }
  return model;
}

/**
 * The gateway coordinates a custom agent of `wire` finds in its environment, under generic names
 * and under the names its wire's SDKs read:
 *
 * | variable | value |
 * | --- | --- |
 * | `GOOSUKE_MODEL_BASE_URL` | the gateway root (`http://127.0.0.1:PORT`) |
 * | `GOOSUKE_MODEL_TOKEN` | the run token |
 * | `GOOSUKE_MODEL` | the profile's model name |
 * | `GOOSUKE_MODEL_WIRE` | the wire (`anthropic`, `openai-responses`, `openai-chat`, `gemini`) |
 * | `OPENAI_BASE_URL`, `OPENAI_API_KEY` | OpenAI wires: the root plus `/v1`, the token |
 * | `ANTHROPIC_BASE_URL`, `ANTHROPIC_API_KEY` | anthropic: the root, the token |
 * | `GEMINI_API_KEY`, `GOOGLE_GEMINI_BASE_URL` | gemini: the token, the root |
 */
export function wireEnvironment(
  wire: AgentWire,
  endpoint: GatewayEndpoint,
  model: string,
): Record<string, string> {
  const generic = {
    GOOSUKE_MODEL_BASE_URL: endpoint.baseUrl,
    GOOSUKE_MODEL_TOKEN: endpoint.token,
    GOOSUKE_MODEL: model,
    GOOSUKE_MODEL_WIRE: wire,
  };
  switch (wire) {
    case 'openai-responses':
    case 'openai-chat':
      // The OpenAI SDKs take the base URL with its /v1.
      return { ...generic, OPENAI_BASE_URL: `${endpoint.baseUrl}/v1`, OPENAI_API_KEY: endpoint.token };
    case 'anthropic':
      return { ...generic, ANTHROPIC_BASE_URL: endpoint.baseUrl, ANTHROPIC_API_KEY: endpoint.token };
    case 'gemini':
      return { ...generic, GEMINI_API_KEY: endpoint.token, GOOGLE_GEMINI_BASE_URL: endpoint.baseUrl };
    default:
      throw new InvalidInputError(`unknown agent wire ${JSON.stringify(wire)}`);
  }
}
