import type { ToolCallUpdate } from '@agentclientprotocol/sdk';
import type { AcpPermissionPolicy } from '../permission-policy.ts';

/** The name of claude-code-acp's own MCP server (`mcp__acp__Read`, `mcp__acp__Bash`, …): never a run's extension. */
const claudeAdapterServer = 'acp';

/**
 * The server of the run's MCP servers (`servers`: their names as given in `session/new`) whose
 * tool a permission request is for, as the agents title such requests: Gemini CLI
 * `TOOL (SERVER MCP Server)` (kind `other`), Claude Code `mcp__SERVER__TOOL` (no kind). Null for
 * anything else, and for any request that carries a kind other than `other`: a shell command or
 * an edit is never taken for an MCP tool, whatever its title says.
 */
export function runMcpServerOf(toolCall: ToolCallUpdate, servers: readonly string[]): string | null {
  if (toolCall.kind !== undefined && toolCall.kind !== null && toolCall.kind !== 'other') return null;
  const title = (toolCall.title ?? '').trim();
  for (const server of servers) {
    if (server === claudeAdapterServer) continue;
    if (title.startsWith(`mcp__${server}__`) && title.length > `mcp__${server}__`.length) return server;
    if (title.endsWith(` (${server} MCP Server)`) && title.length > ` (${server} MCP Server)`.length)
      return server;
  }
  return null;
}

/**
 * `policy`, allowing besides the tools of the run's own MCP servers (its extensions, `servers`):
 * the user gave the run those extensions, so their tools are the run's to use. Everything else
 * goes to `policy` (shell commands stay refused unless `allowShell`).
 */
export function allowingRunMcpTools(
  policy: AcpPermissionPolicy,
  servers: readonly string[],
): AcpPermissionPolicy {
  if (servers.length === 0) return policy;
  return async (request) => {
    const server = runMcpServerOf(request.toolCall, servers);
    if (server !== null) return { allow: true, reason: `a tool of the run's extension ${server}` };
    return await policy(request);
  };
}
