import { readGatewayEndpoint } from './gateway-endpoint.ts';
import { normalizeGooseToolCall } from './goose-permissions.ts';
import { baseEnvironment, launchOf, nodeOf, readModel } from './recipe-env.ts';
import { runPermissionPolicy } from './recipe-permissions.ts';
import type { AgentRecipe } from './recipe-types.ts';

/** Goose's `config.yaml`, as data (written as JSON, which is YAML): telemetry off. */
export const gooseConfig = Object.freeze({ GOOSE_TELEMETRY_ENABLED: false });

/**
 * Goose (`goose acp`, a native binary). Its provider is `openai` (Chat Completions) at the
 * gateway: `OPENAI_HOST` = the gateway's origin, `OPENAI_BASE_PATH` = the lease's path plus
 * `v1/chat/completions`, `OPENAI_API_KEY` = the token, `GOOSE_MODEL` = the model. All its state
 * lives under `GOOSE_PATH_ROOT` = `~/.goose` ({@link gooseConfig} in `config/config.yaml`);
 * telemetry, the keyring (there is no session bus in the sandbox) and session naming (an extra
 * model call) are off.
 *
 * `GOOSE_MODE=smart_approve`: Goose asks before the tools that are not read-only (write, edit,
 * shell) and Goosuke's policy answers, so `allowShell` holds for Goose too (`auto` would run
 * its shell tool unasked). Its requests say `kind: other`; `normalizeGooseToolCall` gives them
 * their kind and path first. Goose cannot be installed here: this recipe is tested up to the
 * command line, environment and files it produces.
 */
export const gooseRecipe: AgentRecipe = (input) => {
  const endpoint = readGatewayEndpoint(input.gateway);
  const model = readModel(input.model);
  const node = nodeOf(input);
  const launch = launchOf(input.executable, node);
  const origin = `http://127.0.0.1:${endpoint.port}`;
  const prefix = endpoint.baseUrl.slice(origin.length).replace(/^\/+/, '');
  return {
    command: launch.command,
    args: [...launch.args, 'acp'],
    env: {
      ...baseEnvironment(node),
      GOOSE_PROVIDER: 'openai',
      OPENAI_HOST: origin,
      OPENAI_BASE_PATH: prefix === '' ? 'v1/chat/completions' : `${prefix}/v1/chat/completions`,
      OPENAI_API_KEY: endpoint.token,
      GOOSE_MODEL: model,
      GOOSE_MODE: 'smart_approve',
      GOOSE_TELEMETRY_ENABLED: 'false',
      GOOSE_DISABLE_KEYRING: '1',
      GOOSE_DISABLE_SESSION_NAMING: 'true',
    },
    homeFiles: { '.goose/config/config.yaml': `${JSON.stringify(gooseConfig, null, 2)}\n` },
    homeEnv: { GOOSE_PATH_ROOT: '.goose' },
    sessionMode: undefined,
    stopDelayMs: 0,
    allowLoopbackPorts: [endpoint.port],
    permissionPolicy: runPermissionPolicy({
      allowShell: input.allowShell,
      normalize: normalizeGooseToolCall,
    }),
  };
};
