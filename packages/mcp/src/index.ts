/**
 * @goosuke/mcp: Goosuke's MCP client on the official `@modelcontextprotocol/sdk`. Connects to one
 * MCP server over stdio (started through `@goosuke/acp`'s sandbox with an allowlisted
 * environment), streamable HTTP or SSE; lists its tools; calls them with a timeout and an
 * AbortSignal; fails with typed `GoosukeError`s that never hold a secret.
 */
export { connectMcpServer } from './connect-mcp-server.ts';
export {
  createMcpExtensionConnector,
  type McpExtensionConnectorOptions,
  serverOptionsOf,
  toolResultText,
} from './extension-connector.ts';
export { type McpBridge, openMcpBridge } from './mcp-bridge.ts';
export type {
  McpCallOptions,
  McpConnection,
  McpContentBlock,
  McpTool,
  McpToolResult,
} from './mcp-connection.ts';
export {
  type McpCommonOptions,
  type McpHttpServerOptions,
  type McpServerOptions,
  type McpStdioServerOptions,
  mcpServerDefaults,
} from './mcp-server-options.ts';
