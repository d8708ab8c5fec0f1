import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import type { McpServer } from '@agentclientprotocol/sdk';
import type { AgentExtension } from '@goosuke/core';
import { serverVisiblePaths } from './agent-visible-paths.ts';

/**
 * A streamable-HTTP endpoint on the host's loopback in front of an extension's HTTP or SSE
 * server, for an agent in the sandbox: the agent reaches `url` (port `port` of 127.0.0.1, which
 * the sandbox forwards) with `headers`; the bridge talks to the real server with the extension's
 * own headers, which the agent never sees. `close` ends it.
 */
export interface AgentMcpBridge {
  readonly url: string;
  readonly port: number;
  readonly headers: Readonly<Record<string, string>>;
  close(): Promise<void>;
}

/**
 * Opens an {@link AgentMcpBridge} for one extension of one run (`@goosuke/mcp`'s
 * `openMcpBridge`). Rejects with a GoosukeError when the extension's server cannot be reached.
 */
export type AgentMcpBridgeFactory = (
  extension: AgentExtension,
  signal?: AbortSignal,
) => Promise<AgentMcpBridge>;

/** The run's extensions as an ACP agent takes them, with what the sandbox must let through. */
export interface AgentMcpServers {
  /** For `session/new` (and `session/load`). */
  readonly servers: McpServer[];
  /** What stdio servers' commands run from, for the sandbox to keep visible. */
  readonly visiblePaths: string[];
  /** The bridges' loopback ports, for the sandbox to forward. */
  readonly loopbackPorts: number[];
  /** One line per extension the run goes without, and why. */
  readonly skipped: Array<{ name: string; reason: string }>;
  /** Closes the bridges. Never rejects. */
  close(): Promise<void>;
}

/**
 * Maps a run's extensions to ACP `mcpServers`:
 * - `stdio` as it is (the agent starts it in its own sandbox, in the working copy, with exactly
 *   the extension's environment on top of what the agent gives its servers), its command found on
 *   the extension's `PATH` or `searchPath` and given absolute; what it runs from is made visible.
 *   A relative command with a `/` is the working copy's and is given as it is; a command that is
 *   not found (or an absolute one that is no executable file) would not start: the run goes
 *   without that extension (`skipped`);
 * - `streamable_http` and `sse` through a bridge on loopback (`bridge`): the sandbox reaches no
 *   other network, Codex and Goose take no SSE, and the extension's headers (its secrets) stay
 *   with Goosuke. Without `bridge`, or when the bridge cannot reach the server, the run goes
 *   without that extension (`skipped`);
 * - `builtin` is skipped (Goosuke's own servers are given to its agents by other means).
 * An extension's own `cwd` cannot be given over ACP: its server starts in the working copy.
 */
export async function agentMcpServersOf(
  extensions: readonly AgentExtension[],
  options: { searchPath: string; nodePath: string; bridge?: AgentMcpBridgeFactory; signal?: AbortSignal },
): Promise<AgentMcpServers> {
  const servers: McpServer[] = [];
  const visiblePaths: string[] = [];
  const loopbackPorts: number[] = [];
  const skipped: Array<{ name: string; reason: string }> = [];
  const bridges: AgentMcpBridge[] = [];
  const result: AgentMcpServers = {
    servers,
    visiblePaths,
    loopbackPorts,
    skipped,
    close: async () => {
      await Promise.all(bridges.map((bridge) => bridge.close().catch(() => undefined)));
    },
  };
  // `acp` is claude-code-acp's own server (its mcp__acp__* file tools): never an extension's name.
  const taken = new Set<string>(['acp']);
  const nameOf = (extension: AgentExtension) => {
    // Agents prefix tool names with the server's name: keep it short and plain.
    const base = extension.name.replace(/[^A-Za-z0-9_-]+/g, '_').slice(0, 40) || 'extension';
    let name = base;
    for (let suffix = 2; taken.has(name); suffix++) name = `${base}_${suffix}`;
    taken.add(name);
    return name;
  };
  try {
    for (const extension of extensions) {
      if (extension.type === 'stdio' && extension.command !== null) {
        const { command } = extension;
        const searchPath = extension.env.PATH ?? options.searchPath;
        // A relative path (`./bin/server`) is the working copy's, where the agent starts the
        // server: passed as it is, with nothing more to show (the copy is visible).
        const relative = !path.isAbsolute(command) && command.includes('/');
        const found = relative
          ? null
          : path.isAbsolute(command)
            ? (await isExecutableFile(command))
              ? command
              : null
            : await lookUp(command, searchPath);
        if (!relative && found === null) {
          skipped.push({
            name: extension.name,
            reason: path.isAbsolute(command)
              ? `its command ${command} is not an executable file`
              : `its command ${command} was not found on the PATH (${searchPath})`,
          });
          continue;
        }
        if (found !== null) {
          visiblePaths.push(...(await serverVisiblePaths(found, extension.args, options.nodePath)));
        }
        servers.push({
          name: nameOf(extension),
          command: found ?? command,
          args: [...extension.args],
          env: Object.entries(extension.env).map(([name, value]) => ({ name, value })),
        });
      } else if (
        (extension.type === 'streamable_http' || extension.type === 'sse') &&
        extension.url !== null
      ) {
        if (options.bridge === undefined) {
          skipped.push({
            name: extension.name,
            reason: 'HTTP and SSE extensions need an MCP bridge, which this host lacks',
          });
          continue;
        }
        try {
          const bridge = await options.bridge(extension, options.signal);
          bridges.push(bridge);
          loopbackPorts.push(bridge.port);
          servers.push({
            type: 'http',
            name: nameOf(extension),
            url: bridge.url,
            headers: Object.entries(bridge.headers).map(([name, value]) => ({ name, value })),
          });
        } catch (error) {
          if (options.signal?.aborted === true) throw error;
          skipped.push({ name: extension.name, reason: (error as Error).message });
        }
      } else if (extension.type === 'builtin') {
        skipped.push({ name: extension.name, reason: 'extensions of type builtin are not given to agents' });
      } else {
        skipped.push({
          name: extension.name,
          reason: `a ${extension.type} extension without ${extension.type === 'stdio' ? 'a command' : 'a URL'}`,
        });
      }
    }
  } catch (error) {
    await result.close();
    throw error;
  }
  // One entry per path: extensions run from the same Node share most of theirs.
  visiblePaths.splice(0, visiblePaths.length, ...new Set(visiblePaths));
  return result;
}

/**
 * `command` as found on `searchPath` (a PATH-style list; the first executable regular file of
 * that name in one of its absolute directories: relative ones would be this process's cwd's),
 * resolved when it holds a `/`, or null when it is on none of its directories.
 */
export async function lookUp(command: string, searchPath: string): Promise<string | null> {
  if (command.includes('/')) return path.resolve(command);
  for (const dir of searchPath.split(path.delimiter)) {
    if (!path.isAbsolute(dir)) continue;
    const candidate = path.join(dir, command);
    if (await isExecutableFile(candidate)) return candidate;
  }
  return null;
}

/** Whether `file` is a regular file (through links) that may be executed (a directory may not). */
async function isExecutableFile(file: string): Promise<boolean> {
  try {
    if (!(await stat(file)).isFile()) return false;
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}
