import type { Extension, JsonObject } from '../domain/index.ts';

/** A tool a connected extension offers, as its server lists it. */
export interface ExtensionTool {
  /** The server's name for it (called by this name). */
  readonly name: string;
  /** What it does, for the model; empty when the server gives none. */
  readonly description: string;
  /** A JSON Schema (`type: 'object'`) of its arguments. */
  readonly inputSchema: JsonObject;
}

/**
 * What a tool call returned, as text a model can read: a tool's own failure (bad arguments, an
 * error it reports) is a result with `isError: true`, not an exception.
 */
export interface ExtensionToolResult {
  readonly text: string;
  readonly isError: boolean;
}

/**
 * One live connection to an extension's server. Its methods throw GoosukeErrors when the server
 * or the connection fails (code `provider`), does not answer in time (`timeout`) or the call's
 * signal aborts it (`canceled`); they never crash the process.
 */
export interface ExtensionConnection {
  /** The server's own name and version, as it reported them when connecting. */
  readonly serverInfo: { readonly name: string; readonly version: string };
  listTools(options?: { signal?: AbortSignal }): Promise<ExtensionTool[]>;
  callTool(
    name: string,
    args: JsonObject,
    options?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<ExtensionToolResult>;
  /** Ends the connection and whatever it started. Idempotent; never rejects. */
  close(): Promise<void>;
}

/** What {@link ExtensionConnector.connect} needs for one extension. */
export interface ExtensionConnectRequest {
  /** The stored extension (its secret values are `null` here: they are in `env` and `headers`). */
  readonly extension: Extension;
  /** Its environment with secrets opened (stdio). */
  readonly env: Readonly<Record<string, string>>;
  /** Its headers with secrets opened (streamable HTTP, SSE). */
  readonly headers: Readonly<Record<string, string>>;
  /** Values never to show in a message (the opened secrets). */
  readonly secrets: readonly string[];
  readonly signal?: AbortSignal;
}

/**
 * Connects to extensions' MCP servers for Goosuke's own agents. The composition root provides it
 * (`@goosuke/mcp`'s `createMcpExtensionConnector`: stdio servers spawned in the agents' sandbox
 * with exactly their declared environment); without one, model runs given extensions run without
 * their tools and say so.
 */
export interface ExtensionConnector {
  /**
   * Starts or reaches the extension's server and completes the MCP handshake within the
   * extension's timeout. GoosukeError (`provider`, `timeout`, `canceled`, `unsupported` for a
   * type it cannot reach, such as `builtin`) when it cannot.
   */
  connect(request: ExtensionConnectRequest): Promise<ExtensionConnection>;
}
