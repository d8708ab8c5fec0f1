import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import {
  type Agent,
  type AgentHost,
  type AgentInstallation,
  type AgentOutcome,
  type AgentRunRequest,
  type AgentSpec,
  type BuiltInAgentName,
  builtInAgentOf,
  InvalidInputError,
} from '@goosuke/core';
import { createAcpAgent } from '../acp-agent.ts';
import type { AcpAgentOptions } from '../acp-agent-options.ts';
import type { AgentSandbox } from '../agent-sandbox.ts';
import { createBubblewrapSandbox } from '../bubblewrap-sandbox.ts';
import { customAgentRecipe } from '../recipes/custom-recipe.ts';
import { readGatewayEndpoint } from '../recipes/gateway-endpoint.ts';
import { builtInRecipes } from '../recipes/index.ts';
import { baseEnvironment, readModel } from '../recipes/recipe-env.ts';
import type { AgentLaunchRecipe } from '../recipes/recipe-types.ts';
import { readPathList } from '../sandbox-mounts.ts';
import { type LocatedAgent, locateBuiltInAgent, locateCommand } from './agent-locator.ts';
import { allowingRunMcpTools } from './agent-mcp-permissions.ts';
import { type AgentMcpBridgeFactory, agentMcpServersOf } from './agent-mcp-servers.ts';
import { agentVisiblePaths } from './agent-visible-paths.ts';

/** Options of {@link createAcpAgentHost}. */
export interface AcpAgentHostOptions {
  /** Explicit executables of built-in agents (absolute paths: the npm bin script or the binary); searched for otherwise. */
  executables?: Partial<Record<BuiltInAgentName, string>>;
  /**
   * Directories the built-in agents' npm packages are resolved from, as `require.resolve` from a
   * file in each would (a project's root finds its devDependencies, a `node_modules` directory
   * its packages); default `[process.cwd()]`.
   */
  nodeModules?: readonly string[];
  /** A PATH-style list searched for the agents' commands (`gemini`, `claude-code-acp`, `codex-acp`, `goose`); default `process.env.PATH`. */
  searchPath?: string;
  /** The Node binary that runs npm agents and leads their PATH; default `process.execPath`. */
  nodePath?: string;
  /** How long `<binary> --version` may take in `inspect`; default 3000 ms. */
  versionTimeoutMs?: number;
  /**
   * The sandbox of every run. Default: a bubblewrap sandbox made by the host
   * (`createBubblewrapSandbox`) that hides `homesDir`, the host's HOME (see `hideHostHome`) and
   * `hiddenPaths`. A sandbox given here is used as it is: `hiddenPaths`, `hideHostHome` and
   * `hostHome` cannot be given with it (they configure the default one). Either way each run's
   * launch carries the paths its agent needs visible (`AgentLaunch.visiblePaths`).
   */
  sandbox?: AgentSandbox;
  /**
   * Absolute paths (directories or files) the default sandbox hides from every agent, besides
   * `homesDir` and the host's HOME: Goosuke's data directory (its database, other repositories'
   * clones), the `.env` file it reads its keys from, other secrets. A path that does not exist is
   * skipped; never `/`. What a run needs inside one (its working copy and HOME, the copy's git
   * directories, the agent's install) stays visible. Default none.
   */
  hiddenPaths?: readonly string[];
  /**
   * Whether the default sandbox hides `hostHome`, the HOME of the user running Goosuke (`~/.ssh`,
   * `~/.aws`, tokens under `~/.config`, shell history); default true. Node and the agents
   * installed there (nvm, an `npm -g` prefix in `~`) stay visible, read-only: each run shows what
   * its agent runs from (see `visiblePaths`). A HOME that is `/` is never hidden.
   */
  hideHostHome?: boolean;
  /** The HOME `hideHostHome` hides, absolute; default `os.homedir()` (taken once, when the host is made). */
  hostHome?: string;
  /**
   * Absolute paths kept visible (read-only) to every agent even inside a hidden directory, beside
   * what the host finds each agent needs (Node's install prefix, the agent's install root: see
   * `createAcpAgentHost`): for a custom agent that reads more than its own directory (a Python
   * virtual environment under HOME, an agent script's `node_modules` elsewhere). Never `/`; a
   * path also hidden stays hidden. Default none.
   */
  visiblePaths?: readonly string[];
  /** Run agents unconfined when the sandbox cannot run (see `AcpAgentOptions.unsafeNoSandbox`); default false. */
  unsafeNoSandbox?: boolean;
  /**
   * An absolute directory under which each task's agent homes are kept across runs
   * (`homesDir/<taskId>/<agent>`), so that a follow-up run finds the agent's sessions; default
   * none: every run gets a fresh home.
   */
  homesDir?: string;
  /**
   * Puts a run's HTTP and SSE extensions behind a streamable-HTTP endpoint on loopback, which the
   * sandbox forwards (`@goosuke/mcp`'s `openMcpBridge`). Without it, agent runs go without such
   * extensions (stdio ones are given to the agent as they are); see `agentMcpServersOf`.
   */
  mcpBridge?: AgentMcpBridgeFactory;
  /** Wall-clock limit of a run's turn (`AcpAgentOptions.timeLimitMs`). */
  timeLimitMs?: number;
  /** Limit of initialize plus session/new (`AcpAgentOptions.initializeTimeoutMs`). */
  initializeTimeoutMs?: number;
  /** After a cancel, how long the agent may take to end its turn (`AcpAgentOptions.cancelGraceMs`). */
  cancelGraceMs?: number;
}

/** An {@link AgentHost} whose findings are cached until {@link AcpAgentHost.refresh}. */
export interface AcpAgentHost extends AgentHost {
  /**
   * Forgets every agent found: the next `inspect` or run looks on the host again (an agent not
   * found is never cached: it is looked for again each time).
   */
  refresh(): void;
}

const defaultVersionTimeoutMs = 3_000;
/** A task id used as it is in a home's path; any other is hashed (ids may hold `/` or be `..`). */
const plainSegment = /^(?!\.{1,2}$)[A-Za-z0-9._-]{1,128}$/;

/**
 * Goosuke's {@link AgentHost} for agents speaking ACP. `inspect` finds a built-in agent (an
 * explicit path from `executables`, else its npm package resolved from `nodeModules`, else its
 * command on `searchPath`) or a custom agent's command on the agent's PATH, and reports
 * `{ installed, path, version, problem }`; an agent found is cached per host until `refresh()`
 * (one not found is looked for again each time), and it never rejects.
 *
 * `create` builds the spec's recipe (see `builtInRecipes`, `customAgentRecipe`) and returns an
 * Agent that runs it through `createAcpAgent` with the host's sandbox, home and time limits
 * (one sandbox for every run: its bubblewrap probe is made once, and what each agent needs
 * visible travels with each launch, as `createAcpAgent`'s `visiblePaths`):
 * the agent's environment is the recipe's allowlist (the gateway token is its only credential),
 * the sandbox lets it reach the gateway's loopback port only, its permission requests are
 * decided by the default policy (reads and edits inside the working copy) plus shell commands
 * when `request.allowShell`. A run of an agent that is not installed fails at once, with the
 * problem and how to install it.
 *
 * What an agent sees of the host (default sandbox): the file system read-only, minus `homesDir`
 * (other tasks' sessions), the host's HOME (unless `hideHostHome: false`) and `hiddenPaths`; plus,
 * read-only even inside those, what its launch needs: Node's install prefix and `bin` directory
 * (of `nodePath`, and of where it links to), the agent's install root (an npm agent's outermost
 * `node_modules` directory, so that hoisted dependencies resolve; a binary's directory; a custom
 * agent's command's directory and, for `node /path/agent.mjs`, the script's), and `visiblePaths`.
 * @throws InvalidInputError for a relative `homesDir`, `nodePath` or `hostHome`, bad
 * `hiddenPaths` or `visiblePaths`, or hiding options given with a `sandbox`; (from `create`) for
 * a gateway that is not `http://127.0.0.1:PORT`, an unusable model name or command, or an
 * unknown built-in agent.
 */
export function createAcpAgentHost(options: AcpAgentHostOptions = {}): AcpAgentHost {
  const nodePath = options.nodePath ?? process.execPath;
  const homesDir = options.homesDir;
  if (homesDir !== undefined && !path.isAbsolute(homesDir)) {
    throw new InvalidInputError(`homesDir must be an absolute path, not ${JSON.stringify(homesDir)}`);
  }
  if (!path.isAbsolute(nodePath)) {
    throw new InvalidInputError(`nodePath must be an absolute path, not ${JSON.stringify(nodePath)}`);
  }
  // Checked also with a sandbox of the caller's, which they cannot configure.
  const hiddenPaths = hiddenPathsOf(options);
  const sandbox = options.sandbox ?? createBubblewrapSandbox({ hiddenPaths });
  const extraVisible = readPathList('visiblePaths', options.visiblePaths);
  const agentPath = baseEnvironment(nodePath).PATH!;
  const cache = new Map<string, Promise<LocatedAgent>>();

  const locate = (spec: AgentSpec): Promise<LocatedAgent> => {
    const key =
      spec.kind === 'built-in' ? `built-in:${spec.agent.name}` : `custom:${spec.definition.command}`;
    let located = cache.get(key);
    if (located === undefined) {
      located =
        spec.kind === 'built-in'
          ? locateBuiltInAgent(spec.agent, {
              explicitPath: options.executables?.[spec.agent.name],
              nodeModules: options.nodeModules ?? [process.cwd()],
              searchPath: options.searchPath ?? process.env.PATH ?? '',
              versionTimeoutMs: options.versionTimeoutMs ?? defaultVersionTimeoutMs,
              platform: process.platform,
              arch: process.arch,
            })
          : locateCommand(spec.definition.command, agentPath);
      cache.set(key, located);
      // Only what was found is kept: an agent installed after a miss is found by the next look.
      void located.then((found) => {
        if (found.executable === null && cache.get(key) === located) cache.delete(key);
      });
    }
    return located;
  };

  return {
    async inspect(spec: AgentSpec): Promise<AgentInstallation> {
      try {
        return (await locate(spec)).installation;
      } catch (error) {
        return {
          installed: false,
          path: null,
          version: null,
          problem: String((error as Error)?.message ?? error),
        };
      }
    },

    create(request: AgentRunRequest): Agent {
      const { spec } = request;
      // Checked now, so that a bad request fails where it is made rather than in the run.
      readGatewayEndpoint(request.gateway);
      const name = agentNameOf(spec);
      const home =
        homesDir === undefined ? undefined : path.join(homesDir, homeSegment(request.taskId), name);
      const custom =
        spec.kind === 'custom'
          ? customAgentRecipe({
              definition: spec.definition,
              gateway: request.gateway,
              model: request.profile.modelName,
              allowShell: request.allowShell,
              nodePath,
            })
          : null;
      const builtIn = spec.kind === 'built-in' ? builtInRecipes[name as BuiltInAgentName] : null;
      if (builtIn !== null) readModel(request.profile.modelName);
      return {
        async run(input) {
          const located = await locate(spec);
          if (located.executable === null) {
            const reason = `the agent ${name} cannot run on this host: ${located.installation.problem}`;
            await input.emit({
              type: 'run-log',
              level: 'error',
              message: reason,
              data: { kind: 'agent_missing', agent: name, problem: located.installation.problem },
            });
            return notInstalled(reason);
          }
          const recipe: AgentLaunchRecipe =
            custom ??
            builtIn!({
              gateway: request.gateway,
              model: request.profile.modelName,
              executable: located.executable,
              allowShell: request.allowShell,
              nodePath,
            });
          const visible = await agentVisiblePaths({
            nodePath,
            executable: located.executable,
            command: recipe.command,
            args: recipe.args,
          });
          const mcp = await agentMcpServersOf(request.extensions ?? [], {
            searchPath: agentPath,
            nodePath,
            ...(options.mcpBridge === undefined ? {} : { bridge: options.mcpBridge }),
            ...(input.signal === undefined ? {} : { signal: input.signal }),
          });
          try {
            for (const { name: extension, reason } of mcp.skipped) {
              await input.emit({
                type: 'run-log',
                level: 'warn',
                message: `extension ${extension}: ${reason}; the agent goes without it`,
                data: { kind: 'extension_unavailable', extension, reason },
              });
            }
            const acpOptions: AcpAgentOptions = {
              ...recipe,
              sessionMode: recipe.sessionMode,
              sandbox,
              visiblePaths: [...new Set([...visible, ...mcp.visiblePaths, ...extraVisible])],
              allowLoopbackPorts: [...(recipe.allowLoopbackPorts ?? []), ...mcp.loopbackPorts],
              mcpServers: mcp.servers,
              // The run's extensions are the user's to give it: their tools are allowed.
              permissionPolicy: allowingRunMcpTools(
                recipe.permissionPolicy,
                mcp.servers.map((server) => server.name),
              ),
              unsafeNoSandbox: options.unsafeNoSandbox,
              home,
              timeLimitMs: options.timeLimitMs,
              initializeTimeoutMs: options.initializeTimeoutMs,
              cancelGraceMs: options.cancelGraceMs,
            };
            const outcome = await createAcpAgent(acpOptions).run(input);
            const warnings = mcp.skipped.map(
              ({ name: extension, reason }) => `extension ${extension}: ${reason}; the agent went without it`,
            );
            return warnings.length === 0
              ? outcome
              : { ...outcome, warnings: [...outcome.warnings, ...warnings] };
          } finally {
            await mcp.close();
          }
        },
      };
    },

    refresh() {
      cache.clear();
    },
  };
}

/**
 * The paths the host's default sandbox hides: `homesDir`, the host's HOME when `hideHostHome`
 * (not when it is `/`, nor when the default `os.homedir()` is not absolute), `hiddenPaths`.
 * @throws InvalidInputError for a bad option, or one of these given with a `sandbox`.
 */
function hiddenPathsOf(options: AcpAgentHostOptions): string[] {
  const hiding = (['hiddenPaths', 'hideHostHome', 'hostHome'] as const).filter(
    (name) => options[name] !== undefined,
  );
  if (options.sandbox !== undefined && hiding.length > 0) {
    throw new InvalidInputError(
      `${hiding.join(', ')} configure the host's default sandbox: with a sandbox of your own, give it the paths to hide`,
    );
  }
  const hideHostHome = options.hideHostHome ?? true;
  if (typeof hideHostHome !== 'boolean') throw new InvalidInputError('hideHostHome must be a boolean');
  const { hostHome } = options;
  if (hostHome !== undefined && (typeof hostHome !== 'string' || !path.isAbsolute(hostHome))) {
    throw new InvalidInputError(`hostHome must be an absolute path, not ${JSON.stringify(hostHome)}`);
  }
  const home = hostHome ?? os.homedir();
  const hidden = options.homesDir === undefined ? [] : [options.homesDir];
  // A HOME of `/` (some service users) cannot be hidden: that would hide everything.
  if (hideHostHome && path.isAbsolute(home) && path.resolve(home) !== '/') hidden.push(home);
  return [...hidden, ...readPathList('hiddenPaths', options.hiddenPaths)];
}

function agentNameOf(spec: AgentSpec): string {
  if (spec.kind === 'custom') return spec.definition.name;
  const agent = builtInAgentOf(spec.agent?.name ?? '');
  if (agent === null)
    throw new InvalidInputError(`no built-in agent is named ${JSON.stringify(spec.agent?.name)}`);
  return agent.name;
}

/** A task id as one directory name: as it is when plain, else a hash (ids may hold `/` or be `..`). */
function homeSegment(taskId: string): string {
  if (plainSegment.test(taskId)) return taskId;
  return `task-${createHash('sha256').update(taskId).digest('hex').slice(0, 32)}`;
}

function notInstalled(reason: string): AgentOutcome {
  return { status: 'failed', reason, summary: null, usage: null, warnings: [] };
}
