import { readGatewayEndpoint } from './gateway-endpoint.ts';
import { baseEnvironment, launchOf, nodeOf, readModel } from './recipe-env.ts';
import { runPermissionPolicy } from './recipe-permissions.ts';
import type { AgentRecipe } from './recipe-types.ts';

/**
 * `~/.gemini/settings.json` of a Gemini CLI run: API-key auth without an `authenticate` call
 * (`selectedType`), no folder-trust prompt, no usage statistics, no auto-update (each of which
 * would reach Google), and one attempt per model call (the gateway's refusals are final).
 */
export const geminiSettings = Object.freeze({
  security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
  privacy: { usageStatisticsEnabled: false },
  general: { enableAutoUpdate: false, enableAutoUpdateNotification: false, maxAttempts: 1 },
});

/**
 * Gemini CLI (`@google/gemini-cli`, bin `gemini`): `gemini --acp -m MODEL`, with
 * `GEMINI_API_KEY` = the token, `GOOGLE_GEMINI_BASE_URL` = the gateway root and
 * `GEMINI_CLI_NO_RELAUNCH=true` (it would otherwise re-spawn itself with a bigger heap), the
 * settings of {@link geminiSettings}, and session mode `autoEdit` (edits applied without
 * asking; shell commands, MCP tools and plans still ask, and the policy answers them).
 */
export const geminiRecipe: AgentRecipe = (input) => {
  const endpoint = readGatewayEndpoint(input.gateway);
  const model = readModel(input.model);
  const node = nodeOf(input);
  const launch = launchOf(input.executable, node);
  return {
    command: launch.command,
    args: [...launch.args, '--acp', '-m', model],
    env: {
      ...baseEnvironment(node),
      GEMINI_API_KEY: endpoint.token,
      GOOGLE_GEMINI_BASE_URL: endpoint.baseUrl,
      GEMINI_CLI_NO_RELAUNCH: 'true',
    },
    homeFiles: { '.gemini/settings.json': `${JSON.stringify(geminiSettings, null, 2)}\n` },
    homeEnv: {},
    sessionMode: 'autoEdit',
    stopDelayMs: 0,
    allowLoopbackPorts: [endpoint.port],
    permissionPolicy: runPermissionPolicy({ allowShell: input.allowShell }),
  };
};
