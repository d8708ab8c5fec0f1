import os from 'node:os';
import path from 'node:path';
import { type AgentSandbox, createBubblewrapSandbox, findExecutable, serverVisiblePaths } from '@goosuke/acp';
import {
  type ExtensionConnection,
  type ExtensionConnector,
  type ExtensionConnectRequest,
  type JsonObject,
  UnsupportedError,
} from '@goosuke/core';
import { connectMcpServer } from './connect-mcp-server.ts';
import type { McpContentBlock, McpToolResult } from './mcp-connection.ts';
import type { McpServerOptions } from './mcp-server-options.ts';

/** Options of {@link createMcpExtensionConnector}. */
export interface McpExtensionConnectorOptions {
  /**
   * Paths stdio servers must not see besides the host's HOME (Goosuke's data directory, the
   * `.env` it read keys from): the default sandbox hides them. Not with `sandbox`.
   */
  hiddenPaths?: readonly string[];
  /**
   * Hide the HOME of the user running Goosuke (its keys, its shell history) from stdio servers;
   * what the server's command runs from (Node, an npm package, the command's directory) is bound
   * back read-only. Default true; a HOME of `/` is never hidden. Not with `sandbox`.
   */
  hideHostHome?: boolean;
  /** A sandbox of your own instead of the default bubblewrap one built from the options above. */
  sandbox?: AgentSandbox;
  /** Start stdio servers unconfined where bubblewrap cannot run (`--unsafe-no-sandbox`). Default false. */
  unsafeNoSandbox?: boolean;
  /**
   * `PATH` for stdio servers whose extension sets none, so that a command given by name (`npx`,
   * `uvx`) is found; nothing else of this process's environment reaches a server.
   */
  path?: string;
}

/**
 * The MCP text a model reads for a tool result: text blocks as they are, a resource's text, a
 * placeholder for images and audio, and the JSON result when there is no text at all.
 */
export function toolResultText(result: McpToolResult): string {
  const parts = result.content.map((block: McpContentBlock): string => {
    switch (block.type) {
      case 'text':
        return block.text;
      case 'resource':
        return 'text' in block.resource ? block.resource.text : `[binary resource ${block.resource.uri}]`;
      case 'resource_link':
        return `[resource ${block.uri}${block.name ? ` (${block.name})` : ''}]`;
      case 'image':
        return `[image, ${block.mimeType}]`;
      case 'audio':
        return `[audio, ${block.mimeType}]`;
      default:
        return '';
    }
  });
  const text = parts.filter((part) => part !== '').join('\n');
  if (text === '' && result.structuredContent !== undefined) return JSON.stringify(result.structuredContent);
  return text;
}

/** The MCP server options of an extension (see `connectMcpServer`). */
export function serverOptionsOf(
  request: ExtensionConnectRequest,
  options: McpExtensionConnectorOptions & { visiblePaths?: readonly string[] },
): McpServerOptions {
  const { extension } = request;
  const common = {
    name: extension.name,
    secrets: [...request.secrets],
    connectTimeoutMs: extension.timeoutSeconds * 1000,
    callTimeoutMs: extension.timeoutSeconds * 1000,
    ...(request.signal === undefined ? {} : { signal: request.signal }),
  };
  switch (extension.type) {
    case 'stdio':
      return {
        ...common,
        transport: 'stdio',
        command: extension.command!,
        args: extension.args,
        env: { ...(options.path === undefined ? {} : { PATH: options.path }), ...request.env },
        ...(extension.cwd === null ? {} : { cwd: extension.cwd }),
        ...(options.unsafeNoSandbox === true
          ? { unsafeNoSandbox: true }
          : options.sandbox === undefined
            ? {}
            : { sandbox: options.sandbox }),
        ...(options.visiblePaths === undefined ? {} : { visiblePaths: [...options.visiblePaths] }),
      };
    case 'sse':
    case 'streamable_http':
      return { ...common, transport: extension.type, url: extension.uri!, headers: request.headers };
    default:
      throw new UnsupportedError(
        `the extension ${extension.name} is of type ${extension.type}, which Goosuke does not connect to`,
      );
  }
}

/**
 * Goosuke's {@link ExtensionConnector} on {@link connectMcpServer}: stdio servers start in the
 * sandbox with exactly their extension's environment (plus `PATH` when it sets none), HTTP and SSE
 * servers get their headers; tool results become text for the model.
 */
export function createMcpExtensionConnector(options: McpExtensionConnectorOptions = {}): ExtensionConnector {
  const home = os.homedir();
  const hidden = [
    ...(options.hideHostHome !== false && path.isAbsolute(home) && path.resolve(home) !== '/' ? [home] : []),
    ...(options.hiddenPaths ?? []),
  ];
  const sandbox =
    options.sandbox ?? (hidden.length === 0 ? undefined : createBubblewrapSandbox({ hiddenPaths: hidden }));
  const settings = { ...options, ...(sandbox === undefined ? {} : { sandbox }) };
  return {
    async connect(request): Promise<ExtensionConnection> {
      const { extension } = request;
      const visiblePaths =
        extension.type === 'stdio' && options.sandbox === undefined && hidden.length > 0
          ? await commandVisiblePaths(extension.command!, extension.args, request.env.PATH ?? options.path)
          : undefined;
      const connection = await connectMcpServer(
        serverOptionsOf(request, { ...settings, ...(visiblePaths === undefined ? {} : { visiblePaths }) }),
      );
      return {
        serverInfo: connection.serverInfo,
        async listTools(listOptions) {
          const tools = await connection.listTools(listOptions);
          return tools.map((tool) => ({
            name: tool.name,
            description: tool.description,
            inputSchema: tool.inputSchema as JsonObject,
          }));
        },
        async callTool(name, args, callOptions) {
          const result = await connection.callTool(name, args, callOptions);
          return { text: toolResultText(result), isError: result.isError };
        },
        close: () => connection.close(),
      };
    },
  };
}

/**
 * What a stdio server's command reads to run, kept visible when the sandbox hides where it lives
 * (a Node or an `npx` under the hidden HOME): see `agentVisiblePaths`. The command is looked up
 * on `searchPath` as the launcher will; Node is this process's, which the server's `#!/usr/bin/env
 * node` finds when `searchPath` leads to it.
 */
async function commandVisiblePaths(
  command: string,
  args: readonly string[],
  searchPath: string | undefined,
): Promise<string[]> {
  const found = await findExecutable(command, searchPath ?? '');
  // Not found: nothing to show (resolving the bare name would show this process's directory);
  // the start then fails, saying so.
  if (found === null) return [];
  return serverVisiblePaths(found, args, process.execPath);
}
