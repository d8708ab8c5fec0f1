import { stringify } from 'smol-toml';
import { readGatewayEndpoint } from './gateway-endpoint.ts';
import { baseEnvironment, launchOf, nodeOf, readModel } from './recipe-env.ts';
import { runPermissionPolicy } from './recipe-permissions.ts';
import type { AgentRecipe } from './recipe-types.ts';

/** The variable Codex reads the run token from (`env_key` of the `goosuke` provider). */
export const codexTokenVariable = 'GOOSUKE_GATEWAY_TOKEN';

/**
 * `$CODEX_HOME/config.toml` of a Codex run, as data: the model on a `goosuke` provider speaking
 * the Responses API at the gateway (`{baseUrl}/v1/responses`) with the token from
 * {@link codexTokenVariable}, no retries (the gateway's refusals are final), no analytics, no
 * plugins, and the same approval and sandbox as the `full-access` session mode.
 */
export function codexConfig(baseUrl: string, model: string): Record<string, unknown> {
  return {
    model,
    model_provider: 'goosuke',
    approval_policy: 'never',
    sandbox_mode: 'danger-full-access',
    features: { plugins: false },
    analytics: { enabled: false },
    model_providers: {
      goosuke: {
        name: 'Goosuke gateway',
        base_url: `${baseUrl}/v1`,
        env_key: codexTokenVariable,
        wire_api: 'responses',
        request_max_retries: 0,
        stream_max_retries: 0,
      },
    },
  };
}

/**
 * Codex through `@zed-industries/codex-acp` (its platform package's native `codex-acp`, or the
 * npm wrapper script run with Node). `CODEX_HOME` is `~/.codex` (a directory of the agent's home,
 * not under TMPDIR, as Codex requires), holding {@link codexConfig} written with a TOML library;
 * the token is in {@link codexTokenVariable}.
 *
 * Session mode `full-access`: Codex runs commands and writes files itself, without asking, and
 * without its own sandbox. Its `read-only` and `auto` modes confine every file access (reads
 * included) with a bubblewrap of its own, which cannot start inside Goosuke's sandbox (nested
 * user namespaces are refused: "setting up uid map: Operation not permitted"), so every edit
 * would fail. Goosuke's sandbox is the boundary instead: only the working copy (not its `.git`)
 * and the private HOME and TMPDIR are writable, and the only address reachable is the gateway.
 * Codex never asks before a shell command in this mode, so `allowShell` cannot restrain it.
 */
export const codexRecipe: AgentRecipe = (input) => {
  const endpoint = readGatewayEndpoint(input.gateway);
  const model = readModel(input.model);
  const node = nodeOf(input);
  const launch = launchOf(input.executable, node);
  return {
    command: launch.command,
    args: launch.args,
    env: { ...baseEnvironment(node), [codexTokenVariable]: endpoint.token },
    homeFiles: { '.codex/config.toml': stringify(codexConfig(endpoint.baseUrl, model)) },
    homeEnv: { CODEX_HOME: '.codex' },
    sessionMode: 'full-access',
    stopDelayMs: 0,
    allowLoopbackPorts: [endpoint.port],
    permissionPolicy: runPermissionPolicy({ allowShell: input.allowShell }),
  };
};
