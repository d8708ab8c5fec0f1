import type { AgentSandbox } from '@goosuke/acp';
import { parseInput } from '@goosuke/core';
import { z } from 'zod';

/** Defaults of {@link McpServerOptions}. */
export const mcpServerDefaults = Object.freeze({
  /** How long the start, the `initialize` handshake and the first answer may take. */
  connectTimeoutMs: 30_000,
  /** How long one `tools/call` may take when the call does not say. */
  callTimeoutMs: 60_000,
  /** How long one `tools/list` may take. */
  listTimeoutMs: 30_000,
});

/** Options shared by every transport. */
export interface McpCommonOptions {
  /** A name for error messages (`the MCP server "github" …`); default the command or the URL's host. */
  name?: string;
  /**
   * Names of `env` variables (stdio) or `headers` (HTTP, SSE) whose values are secret: they never
   * appear in a thrown message or cause. Values of names that say they hold one (`*KEY*`,
   * `*TOKEN*`, `*SECRET*`, `*PASSWORD*`, `*CREDENTIAL*`, `*AUTH*`, so `Authorization` too) are
   * treated as secret without being listed.
   */
  secrets?: readonly string[];
  /** Milliseconds for the start and the `initialize` handshake; default 30 000. */
  connectTimeoutMs?: number;
  /** Milliseconds for a `tools/call` that gives no `timeoutMs` of its own; default 60 000. */
  callTimeoutMs?: number;
  /** Aborts the connect (not later calls). */
  signal?: AbortSignal;
}

/** A server started as a child process, speaking MCP over its stdin and stdout. */
export interface McpStdioServerOptions extends McpCommonOptions {
  transport: 'stdio';
  /** The executable: an absolute path, or a name looked up in `env.PATH` (never this process's PATH). */
  command: string;
  args?: readonly string[];
  /**
   * The server's whole environment: nothing of this process's environment is inherited. The
   * launcher adds `HOME` and `TMPDIR` (a private pair made for this connection) and, under
   * bubblewrap, `PWD`. `HOME` and `TMPDIR` may not be given.
   */
  env?: Readonly<Record<string, string>>;
  /**
   * The server's working directory, absolute, and the one directory of the host it may write
   * (besides its private HOME and TMPDIR) when sandboxed. Default: a fresh private directory,
   * removed on close.
   */
  cwd?: string;
  /**
   * The sandbox that confines the server; default `createBubblewrapSandbox()` from
   * `@goosuke/acp` (read-only file system, no network, the environment exactly as declared).
   */
  sandbox?: AgentSandbox;
  /**
   * Start the server unconfined (this process's user, files and network) when the sandbox is not
   * available on this host; without it such a connect throws `UnsupportedError`. Default false.
   */
  unsafeNoSandbox?: boolean;
  /**
   * Absolute paths the sandboxed server must be able to read although the sandbox hides what
   * holds them (a Node or a package installed under a hidden HOME). Read-only.
   */
  visiblePaths?: readonly string[];
  /** Ports of the host's 127.0.0.1 the sandboxed server may reach (the same port inside). */
  allowLoopbackPorts?: readonly number[];
}

/** A remote server over MCP's streamable HTTP transport, or the older HTTP+SSE one. */
export interface McpHttpServerOptions extends McpCommonOptions {
  transport: 'streamable_http' | 'sse';
  /** `http:` or `https:`. */
  url: string;
  /** Sent with every request (an `Authorization` header, say); see `secrets`. */
  headers?: Readonly<Record<string, string>>;
}

/** How to reach one MCP server: see {@link connectMcpServer}. */
export type McpServerOptions = McpStdioServerOptions | McpHttpServerOptions;

const variableName = /^[A-Za-z_][A-Za-z0-9_]*$/;
const noNul = (text: string) => !text.includes('\0');
const timeout = z.number().int().positive().max(2_147_483_647).optional();
const common = {
  name: z.string().min(1).max(200).optional(),
  secrets: z.array(z.string()).optional(),
  connectTimeoutMs: timeout,
  callTimeoutMs: timeout,
  signal: z.instanceof(AbortSignal).optional(),
};
const stdioSchema = z.object({
  ...common,
  transport: z.literal('stdio'),
  command: z.string().min(1).refine(noNul, 'must not contain NUL'),
  args: z.array(z.string().refine(noNul, 'must not contain NUL')).optional(),
  env: z
    .record(
      z.string().regex(variableName, 'must be a variable name'),
      z.string().refine(noNul, 'must not contain NUL'),
    )
    .refine(
      (env) => !('HOME' in env) && !('TMPDIR' in env),
      'HOME and TMPDIR are the server’s own (made per connection)',
    )
    .optional(),
  cwd: z
    .string()
    .refine((value) => value.startsWith('/') && noNul(value), 'must be an absolute path')
    .optional(),
  sandbox: z
    .custom<AgentSandbox>((value) => typeof value === 'object' && value !== null && 'confine' in value)
    .optional(),
  unsafeNoSandbox: z.boolean().optional(),
  visiblePaths: z.array(z.string().startsWith('/')).optional(),
  allowLoopbackPorts: z.array(z.number().int().min(1).max(65_535)).optional(),
});
const httpSchema = z.object({
  ...common,
  transport: z.enum(['streamable_http', 'sse']),
  url: z
    .string()
    .refine(
      (value) => URL.canParse(value) && /^https?:$/.test(new URL(value).protocol),
      'must be an http: or https: URL',
    ),
  headers: z.record(z.string().min(1), z.string()).optional(),
});
const optionsSchema = z.discriminatedUnion('transport', [stdioSchema, httpSchema]);

/**
 * The options, validated.
 * @throws InvalidInputError listing every problem (values are never quoted: they may be secrets).
 */
export function readServerOptions(options: McpServerOptions): McpServerOptions {
  return parseInput(optionsSchema, options, 'MCP server options') as McpServerOptions;
}

const secretName = /KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH|COOKIE/i;

/** The values never to show: those of the names listed in `secrets`, and of names that say they hold one. */
export function secretValuesOf(options: McpServerOptions): string[] {
  const listed = new Set((options.secrets ?? []).map((name) => name.toLowerCase()));
  const entries = Object.entries(
    options.transport === 'stdio' ? (options.env ?? {}) : (options.headers ?? {}),
  );
  const values = entries
    .filter(([name, value]) => value !== '' && (listed.has(name.toLowerCase()) || secretName.test(name)))
    .map(([, value]) => value);
  if (options.transport !== 'stdio') {
    // Credentials in the URL (`https://user:token@…`, `?token=…`) are as secret as a header.
    const url = new URL(options.url);
    values.push(
      ...[url.password, url.username, ...url.searchParams.values()].filter((value) => value !== ''),
    );
  }
  return values;
}

/** The name used in messages. */
export function serverLabel(options: McpServerOptions): string {
  if (options.name !== undefined) return options.name;
  if (options.transport === 'stdio') return options.command.split('/').pop() ?? options.command;
  return new URL(options.url).host;
}
