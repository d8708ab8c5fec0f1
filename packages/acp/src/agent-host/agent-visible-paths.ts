import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { AgentExecutable } from '../recipes/recipe-types.ts';

/** How the host starts one agent: what {@link agentVisiblePaths} looks at. */
export interface AgentStart {
  /** The Node binary that runs script agents and leads the agent's PATH, absolute. */
  readonly nodePath: string;
  /** The agent as located: its script or binary (a custom agent's command, found). */
  readonly executable: AgentExecutable;
  /** The recipe's command and arguments (a custom agent's `node /path/agent.mjs`). */
  readonly command: string;
  readonly args: readonly string[];
}

/**
 * What an agent reads to run, for the sandbox to keep visible (read-only) when it lives under a
 * hidden directory (the HOME of the user running Goosuke, with nvm or an `npm -g` prefix there):
 * - Node's install prefix (`path.dirname(path.dirname(nodePath))`, e.g.
 *   `~/.nvm/versions/node/v24.x`: its `bin` and `lib/node_modules`) and its `bin` directory,
 *   for the link and for where it leads (the `bin` directory alone stays visible when the prefix
 *   itself is hidden: a Node in `~/bin` must not show all of `~`);
 * - the agent's install root: for a file inside a `node_modules` directory (an npm agent's bin
 *   script, Codex's platform binary) the OUTERMOST `node_modules` directory on its real path, so
 *   that dependencies hoisted above its package resolve; else its directory; both for the path
 *   as given and for where its links lead;
 * - for a command run with Node (`node /path/agent.mjs`, a custom agent's), the same for the
 *   script, the first argument that is not an option, when it is absolute. Options taking a
 *   separate value (`--import X`) are not told apart: such agents need the host's `visiblePaths`.
 *
 * `/` is never among them. In their order, without duplicates. Never rejects (a path that does
 * not resolve is kept as given; the sandbox skips what does not exist).
 */
export async function agentVisiblePaths(start: AgentStart): Promise<string[]> {
  const found: string[] = [];
  const nodes = [start.nodePath, await real(start.nodePath)];
  for (const node of nodes) found.push(path.dirname(path.dirname(node)), path.dirname(node));
  found.push(...(await installRoots(start.executable.path)));
  const script = start.args.find((arg) => !arg.startsWith('-'));
  if (script !== undefined && path.isAbsolute(script) && (await runsNode(start.command, nodes))) {
    found.push(...(await installRoots(script)));
  }
  return [...new Set(found.map((entry) => path.resolve(entry)))].filter((entry) => entry !== '/');
}

/**
 * What an MCP server's command, found at `found` (absolute), reads to run, for a sandbox that
 * hides where it lives: as for an agent (see {@link agentVisiblePaths}), with `nodePath` the Node
 * its `#!/usr/bin/env node` finds. Shared by the agent host (servers agents start) and
 * `@goosuke/mcp` (servers Goosuke starts).
 */
export function serverVisiblePaths(
  found: string,
  args: readonly string[],
  nodePath: string,
): Promise<string[]> {
  return agentVisiblePaths({ nodePath, executable: { path: found, runWith: 'exec' }, command: found, args });
}

/** Where a script or binary is installed: its directory, or the outermost `node_modules` holding it. */
async function installRoots(file: string): Promise<string[]> {
  const roots: string[] = [];
  for (const spelling of new Set([path.resolve(file), await real(file)])) {
    roots.push(outermostNodeModules(spelling) ?? path.dirname(spelling));
  }
  return roots;
}

/** The outermost `node_modules` directory on `file`'s path (a directory holding it), or null. */
function outermostNodeModules(file: string): string | null {
  const parts = file.split(path.sep);
  const index = parts.indexOf('node_modules');
  // The last part is the file itself: a file named node_modules is no directory holding it.
  return index <= 0 || index === parts.length - 1 ? null : parts.slice(0, index + 1).join(path.sep);
}

/** Whether `command` is a Node binary: named `node` or `nodejs`, or the host's Node itself. */
async function runsNode(command: string, nodes: readonly string[]): Promise<boolean> {
  if (['node', 'nodejs'].includes(path.basename(command))) return true;
  return path.isAbsolute(command) && nodes.includes(await real(command));
}

/** The real path of `file`, or `file` itself when it does not resolve. */
async function real(file: string): Promise<string> {
  return await realpath(file).catch(() => path.resolve(file));
}
