import path from 'node:path';
import { type AcpAgentHostOptions, createAcpAgentHost } from '@goosuke/acp';
import {
  type AgentHost,
  type ExtensionConnector,
  type GatewayLease,
  type GatewayLeaseOptions,
  GoosukeError,
  type ModelEndpoint,
  type ModelGateway,
  type ModelProfile,
  publicModelEndpoint,
} from '@goosuke/core';
import { createModelGateway } from '@goosuke/model-gateway';
import { type Environment, providerCredentials, providerEnvironment } from './language-models.ts';

/** What agent runs need from the composition root. */
export interface DefaultAgentRuntime {
  agentHost: AgentHost;
  modelGateway: ModelGateway;
  modelEndpoint: (profile: ModelProfile, storedKey: string | null) => ModelEndpoint;
  /** Stops the gateway when it was started. */
  close(): Promise<void>;
}

/** Options of {@link createDefaultAgentRuntime}. */
export interface DefaultAgentRuntimeOptions {
  /** Where provider keys and base URLs come from for profiles without them, and the agents' PATH. */
  env: Environment;
  /**
   * Goosuke's data directory: each task's agent homes are kept in `<dataDir>/agent-homes`, and
   * agents never see it (but for their own working copy, git directory and home).
   */
  dataDir: string;
  /** More files and directories agents must not read (the `.env` Goosuke read its keys from). */
  hiddenPaths?: readonly string[];
  /**
   * Run agents unconfined when bubblewrap cannot run here (`--unsafe-no-sandbox`,
   * `GOOSUKE_UNSAFE_NO_SANDBOX`): the agent then has this process's user, files and network.
   */
  unsafeNoSandbox?: boolean;
  /** The fetch the gateway forwards with (proxies, tests). */
  fetch?: typeof globalThis.fetch;
  /**
   * Options of the agent host over the defaults (where agents are found: `executables`,
   * `nodeModules`; time limits). `homesDir`, `hiddenPaths` and `unsafeNoSandbox` come from the
   * fields above; the sandbox is always the host's own bubblewrap sandbox, which hides them.
   */
  host?: Omit<AcpAgentHostOptions, 'homesDir' | 'unsafeNoSandbox' | 'hiddenPaths' | 'sandbox'>;
}

/**
 * A gateway that starts listening on the first agent run: a server or `goosuke run` with models
 * only never opens a port.
 */
function lazyModelGateway(start: () => Promise<ModelGateway>): ModelGateway {
  let started: Promise<ModelGateway> | null = null;
  let url = '';
  return {
    get url() {
      return url;
    },
    async open(options: GatewayLeaseOptions): Promise<GatewayLease> {
      started ??= start().then((gateway) => {
        url = gateway.url;
        return gateway;
      });
      return (await started).open(options);
    },
    async close() {
      const gateway = await started?.catch(() => null);
      await gateway?.close();
    },
  };
}

/**
 * Where a profile's model calls go, for the gateway: the profile's stored key and base URL win;
 * without them the ecosystem's variables (as the language models use them), else the provider's
 * public endpoint. A GoosukeError `secret_key` names the variable to set when there is no key
 * (an OpenAI-compatible server may need none).
 */
export function createModelEndpointResolver(env: Environment) {
  return (profile: ModelProfile, storedKey: string | null): ModelEndpoint => {
    const credentials = providerCredentials(profile, storedKey, env);
    const baseUrl = credentials.baseUrl ?? publicModelEndpoint(profile.provider);
    if (baseUrl === null) {
      throw new GoosukeError(
        'invalid_input',
        `${profile.displayName} has no server: set ${providerEnvironment[profile.provider].baseUrl} or store the profile with --base-url`,
      );
    }
    return { baseUrl, apiKey: credentials.apiKey ?? '' };
  };
}

/**
 * The agent side of the default composition root: the ACP agent host (agents found on PATH or in
 * the working directory's node_modules, confined by bubblewrap, homes kept per task under the
 * data directory) and the model gateway they call through, on loopback.
 */
export function createDefaultAgentRuntime(options: DefaultAgentRuntimeOptions): DefaultAgentRuntime {
  const modelGateway = lazyModelGateway(() =>
    createModelGateway(options.fetch === undefined ? {} : { fetch: options.fetch }),
  );
  const agentHost = createAcpAgentHost({
    searchPath: options.env.PATH ?? process.env.PATH ?? '',
    ...options.host,
    homesDir: path.join(options.dataDir, 'agent-homes'),
    hiddenPaths: [options.dataDir, ...(options.hiddenPaths ?? [])],
    // HTTP and SSE extensions reach agents through a loopback bridge; loaded with the first one.
    mcpBridge: async (extension, signal) => (await import('@goosuke/mcp')).openMcpBridge(extension, signal),
    ...(options.unsafeNoSandbox === true ? { unsafeNoSandbox: true } : {}),
  });
  return {
    agentHost,
    modelGateway,
    modelEndpoint: createModelEndpointResolver(options.env),
    close: () => modelGateway.close(),
  };
}

/** Options of {@link createDefaultExtensionConnector}. */
export interface DefaultExtensionConnectorOptions {
  /** The PATH stdio servers get when their extension sets none. */
  path: string | undefined;
  /** Goosuke's data directory: hidden from stdio servers, as from agents. */
  dataDir: string;
  /** More paths to hide (the `.env` Goosuke read its keys from). */
  hiddenPaths?: readonly string[];
  /** Start stdio servers unconfined where bubblewrap cannot run. */
  unsafeNoSandbox?: boolean;
}

/**
 * The MCP connector of the CLI and the server, as agents are confined: stdio servers in the
 * bubblewrap sandbox with the data directory, the `.env` and the HOME of the user running Goosuke
 * hidden. `@goosuke/mcp` (and the MCP SDK) load on the first connect, so that commands that never
 * connect do not pay for them.
 */
export function createDefaultExtensionConnector(
  options: DefaultExtensionConnectorOptions,
): ExtensionConnector {
  let connector: Promise<ExtensionConnector> | null = null;
  return {
    async connect(request) {
      connector ??= import('@goosuke/mcp').then(({ createMcpExtensionConnector }) =>
        createMcpExtensionConnector({
          hiddenPaths: [options.dataDir, ...(options.hiddenPaths ?? [])],
          ...(options.path === undefined ? {} : { path: options.path }),
          ...(options.unsafeNoSandbox === true ? { unsafeNoSandbox: true } : {}),
        }),
      );
      return (await connector).connect(request);
    },
  };
}
