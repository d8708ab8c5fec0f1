import type { CallToolResult, Tool } from '@modelcontextprotocol/sdk/types.js';

/** One content block of a tool result: text, image, audio, a resource link or an embedded resource (MCP's `ContentBlock`). */
export type McpContentBlock = CallToolResult['content'][number];

/** A tool a server offers, as `tools/list` describes it. */
export interface McpTool {
  /** The name to call it by. */
  readonly name: string;
  /** A display name, when the server gives one. */
  readonly title?: string;
  /** What it does, for the model; empty when the server gives none. */
  readonly description: string;
  /** A JSON Schema (`type: 'object'`) of its arguments. */
  readonly inputSchema: Tool['inputSchema'];
  /** A JSON Schema of its `structuredContent`, when the server declares one. */
  readonly outputSchema?: Tool['outputSchema'];
  /** Hints (read-only, destructive, idempotent, open-world), as the server states them: not to be trusted for security. */
  readonly annotations?: Tool['annotations'];
}

/**
 * What a tool call returned. A tool that failed (bad arguments, an error of its own) is a result
 * with `isError: true` and the error in `content`, so that a model can read it and try again;
 * only failures of the server or the connection throw.
 */
export interface McpToolResult {
  readonly content: readonly McpContentBlock[];
  readonly isError: boolean;
  /** The JSON result, when the tool returns one besides `content`. */
  readonly structuredContent?: Readonly<Record<string, unknown>>;
}

/** Per-call options of {@link McpConnection.callTool}. */
export interface McpCallOptions {
  /** Milliseconds before the call fails with code `timeout`; default the connection's `callTimeoutMs`. */
  timeoutMs?: number;
  /** Cancels the call: the server is told (`notifications/cancelled`) and the call fails with code `canceled`. */
  signal?: AbortSignal;
}

/**
 * A connected MCP server. Every method that talks to the server throws a `GoosukeError`, never a
 * raw SDK or system error:
 * - code `provider` (a `ProviderError`, provider `mcp`): the server failed (exited, crashed,
 *   refused the request, answered with a protocol error; its HTTP status in `status`); once the
 *   server is gone (a stdio server exited, the transport closed) every further call fails at
 *   once with this code and the reason;
 * - code `timeout` (retryable): no answer within the time limit. The call is canceled on the
 *   server and the connection stays usable;
 * - code `canceled`: the call's `signal` aborted it; the connection stays usable;
 * - code `conflict`: the connection was closed by `close()`.
 * Messages name the server and the tool, include the end of a stdio server's stderr when it
 * died, and never hold a value declared secret.
 */
export interface McpConnection {
  /** The server's name and version as it reported them in `initialize`. */
  readonly serverInfo: { readonly name: string; readonly version: string };
  /** The server's instructions for the model, when it gave some. */
  readonly instructions: string | null;
  /** For a stdio server, one line on how it is confined (or that it is not); null for HTTP and SSE. */
  readonly sandbox: string | null;
  /** Every tool of the server (all pages of `tools/list`). */
  listTools(options?: { signal?: AbortSignal }): Promise<McpTool[]>;
  /** Calls one tool with its arguments (an object matching its `inputSchema`). */
  callTool(
    name: string,
    args?: Readonly<Record<string, unknown>>,
    options?: McpCallOptions,
  ): Promise<McpToolResult>;
  /**
   * Closes the connection: an HTTP session is ended (DELETE, best effort); a stdio server's whole
   * process group is ended (SIGTERM, then SIGKILL) and its private HOME and TMPDIR removed.
   * Calls in flight fail. Idempotent; never rejects.
   */
  close(): Promise<void>;
}
