import path from 'node:path';
import type { AgentDefinition } from '@goosuke/core';
import { InvalidInputError } from '@goosuke/core';
import { readGatewayEndpoint } from './gateway-endpoint.ts';
import { baseEnvironment, nodeOf, readModel, wireEnvironment } from './recipe-env.ts';
import { runPermissionPolicy } from './recipe-permissions.ts';
import type { AgentLaunchRecipe, AgentRecipeInput } from './recipe-types.ts';

/** What {@link customAgentRecipe} is built from: a recipe's input with the definition instead of an executable. */
export interface CustomRecipeInput extends Omit<AgentRecipeInput, 'executable'> {
  readonly definition: Pick<AgentDefinition, 'name' | 'command' | 'args' | 'wire' | 'sessionMode'>;
}

/**
 * A custom agent's launch: `definition.command` (absolute, or a name looked up on the agent's
 * PATH, `NODE_DIR:/usr/bin:/bin`) with `definition.args`, the base environment plus the gateway
 * coordinates of its wire under generic and conventional names (see `wireEnvironment`:
 * `GOOSUKE_MODEL_BASE_URL`, `GOOSUKE_MODEL_TOKEN`, `GOOSUKE_MODEL`, `GOOSUKE_MODEL_WIRE`, and
 * `OPENAI_BASE_URL`/`OPENAI_API_KEY`, `ANTHROPIC_BASE_URL`/`ANTHROPIC_API_KEY` or
 * `GEMINI_API_KEY`/`GOOGLE_GEMINI_BASE_URL`), its session mode, no home files, and the run's
 * policy (reads and edits inside the working copy; shell commands when `allowShell`).
 * @throws InvalidInputError for a bad gateway, model or command.
 */
export function customAgentRecipe(input: CustomRecipeInput): AgentLaunchRecipe {
  const endpoint = readGatewayEndpoint(input.gateway);
  const model = readModel(input.model);
  const node = nodeOf(input);
  const { definition } = input;
  if (!path.isAbsolute(definition.command) && definition.command.includes('/')) {
    throw new InvalidInputError(
      `the agent ${definition.name}'s command ${JSON.stringify(definition.command)} must be an absolute path or a bare name`,
    );
  }
  return {
    command: definition.command,
    args: [...definition.args],
    env: { ...baseEnvironment(node), ...wireEnvironment(definition.wire, endpoint, model) },
    homeFiles: {},
    homeEnv: {},
    sessionMode: definition.sessionMode ?? undefined,
    stopDelayMs: 0,
    allowLoopbackPorts: [endpoint.port],
    permissionPolicy: runPermissionPolicy({ allowShell: input.allowShell }),
  };
}
