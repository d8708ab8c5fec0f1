import type { AgentTool } from '../agents/tool-loop.ts';
import type { Extension, JsonObject, Run, RunExtension, Task } from '../domain/index.ts';
import { GoosukeError, NotFoundError, redactSecrets } from '../errors/index.ts';
import type { AgentExtension } from '../ports/agent-host.ts';
import type { BuiltinExtensionGrant, BuiltinExtensions } from '../ports/builtin-extensions.ts';
import type { Clock } from '../ports/clock.ts';
import { isoNow } from '../ports/clock.ts';
import type { ExtensionConnection, ExtensionConnector } from '../ports/extension-connector.ts';
import type { ExtensionService, RevealedExtension } from '../services/extension-service.ts';
import type { RunEventInput } from './run-events.ts';

/** What a run's extensions need from the extension service. */
export type RunExtensionSource = Pick<ExtensionService, 'reveal' | 'recordServer'>;

/** The extensions of one model run, connected. */
export interface RunExtensionSession {
  /** Every tool of every connected extension, named `<extension>__<tool>`. */
  tools: AgentTool[];
  /** `Run.extensions` as the run used them: each server as it reported itself now, or null. */
  records: RunExtension[];
  /** The opened secret values, for redaction. */
  secrets: string[];
  /** One per extension the run went without (deleted, unreachable, no connector). */
  warnings: string[];
  /** Closes every connection. Never rejects. */
  close(): Promise<void>;
}

/** A model-visible tool name: letters, digits and `_` (every provider takes them), at most 64. */
function toolName(extension: string, tool: string, taken: Set<string>): string {
  const slug = (text: string) => text.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'x';
  const base = `${slug(extension).slice(0, 24)}__${slug(tool)}`.slice(0, 60);
  let name = /^[A-Za-z_]/.test(base) ? base : `x${base}`.slice(0, 60);
  for (let suffix = 2; taken.has(name); suffix++) name = `${base.slice(0, 57)}_${suffix}`;
  taken.add(name);
  return name;
}

/** Opens one extension for the run: its stored record with secrets, or null when it was deleted. */
async function revealOrNull(source: RunExtensionSource, id: string): Promise<RevealedExtension | null> {
  try {
    return await source.reveal(id);
  } catch (error) {
    if (error instanceof NotFoundError) return null;
    throw error;
  }
}

/** Where a run's built-in extensions come from: the process's provider and the run's task. */
export interface BuiltinContext {
  builtins: BuiltinExtensions | undefined;
  task: Task;
  runId: string;
}

/**
 * A built-in extension as the streamable-HTTP extension its grant makes it for this run (its
 * token a secret like any header's), or why the run goes without it. Other extensions as they are.
 */
async function realize(
  revealed: RevealedExtension,
  context: BuiltinContext,
  grants: BuiltinExtensionGrant[],
): Promise<RevealedExtension | { unavailable: string }> {
  const { extension } = revealed;
  if (revealed.missingSecrets.length > 0) {
    return {
      unavailable: `its secret ${revealed.missingSecrets.join(', ')} has no value yet: an admin sets it (goosuke extensions set ${extension.name} --secret-env NAME, PATCH /extensions/${extension.id})`,
    };
  }
  if (extension.type !== 'builtin') return revealed;
  const name = extension.command ?? '';
  const grant =
    context.builtins === undefined
      ? null
      : await context.builtins.grant({ name, runId: context.runId, task: context.task });
  if (grant === null) {
    return {
      unavailable:
        name === 'discord'
          ? 'the built-in discord extension serves tasks started from Discord, in the process that runs the Discord bot'
          : `this Goosuke does not serve the built-in extension ${name}`,
    };
  }
  grants.push(grant);
  return {
    extension: { ...extension, type: 'streamable_http', uri: grant.url, command: null, args: [], cwd: null },
    env: {},
    headers: { ...grant.headers },
    // The token on its own too: a message may quote it without its scheme.
    secrets: Object.values(grant.headers).flatMap((value) => [value, value.replace(/^Bearer\s+/i, '')]),
    missingSecrets: [],
  };
}

/**
 * Connects a model run to its extensions (in parallel, each within its own timeout), lists their
 * tools and records what each server reported. An extension deleted since the run was created,
 * one whose server cannot be reached, or any when there is no connector, is left out with a
 * warning and an event: the run goes on with the tools it has. Cancelling (`signal`) is thrown.
 */
export async function openRunExtensions(context: {
  run: Pick<Run, 'id' | 'extensions'>;
  source: RunExtensionSource;
  connector: ExtensionConnector | undefined;
  builtin: BuiltinContext;
  clock: Clock;
  signal: AbortSignal;
  emit: (event: RunEventInput) => Promise<void>;
}): Promise<RunExtensionSession> {
  const { run, source, connector } = context;
  const connections: ExtensionConnection[] = [];
  const grants: BuiltinExtensionGrant[] = [];
  const session: RunExtensionSession = {
    tools: [],
    records: [],
    secrets: [],
    warnings: [],
    async close() {
      await Promise.all(connections.map((connection) => connection.close().catch(() => undefined)));
      for (const grant of grants) grant.revoke();
    },
  };
  if (run.extensions.length === 0) return session;
  const taken = new Set<string>();
  const without = async (entry: RunExtension, reason: string, data: JsonObject = {}) => {
    // A connector's message may quote what the server printed: its secrets are the run's to hide.
    const why = redactSecrets(reason, session.secrets);
    session.warnings.push(`extension ${entry.name}: ${why}; the run went without it`);
    await context.emit({
      type: 'run-log',
      level: 'warn',
      message: `extension ${entry.name}: ${why}`,
      data: { kind: 'extension_unavailable', extension: entry.name, ...data },
    });
  };
  const results = await Promise.all(
    run.extensions.map(async (entry) => {
      const stored = await revealOrNull(source, entry.id);
      if (stored === null) return { entry, revealed: stored, connection: null, error: 'it was deleted' };
      const revealed = await realize(stored, context.builtin, grants);
      if ('unavailable' in revealed)
        return { entry, revealed: stored, connection: null, error: revealed.unavailable };
      session.secrets.push(...revealed.secrets);
      if (connector === undefined) {
        return { entry, revealed, connection: null, error: 'this Goosuke has no MCP connector' };
      }
      try {
        const connection = await connector.connect({
          extension: revealed.extension,
          env: revealed.env,
          headers: revealed.headers,
          secrets: revealed.secrets,
          signal: context.signal,
        });
        connections.push(connection);
        const tools = await connection.listTools({ signal: context.signal });
        return { entry, revealed, connection, tools, error: null };
      } catch (error) {
        if (context.signal.aborted) throw error;
        if (!GoosukeError.isInstance(error)) throw error;
        return { entry, revealed, connection: null, error: error.message };
      }
    }),
  );
  for (const result of results) {
    const { entry } = result;
    if (result.connection === null || !('tools' in result) || result.tools === undefined) {
      session.records.push({ ...entry, server: null });
      await without(entry, result.error ?? 'it could not be connected');
      continue;
    }
    const extension: Extension = result.revealed!.extension;
    const { connection, tools } = result;
    const server = { ...connection.serverInfo, checkedAt: isoNow(context.clock) };
    session.records.push({ ...entry, name: extension.name, server });
    await source.recordServer(extension.id, connection.serverInfo).catch(() => undefined);
    const timeoutMs = extension.timeoutSeconds * 1000;
    const named = tools.map((tool) => ({ tool, name: toolName(extension.name, tool.name, taken) }));
    for (const { tool, name } of named) {
      session.tools.push({
        kind: 'mcp',
        origin: { extension: extension.name, tool: tool.name },
        spec: {
          name,
          description: `${tool.description === '' ? tool.name : tool.description} (from the ${extension.name} extension)`,
          inputSchema: tool.inputSchema,
        },
        call: (args, signal) =>
          connection.callTool(tool.name, args, { timeoutMs, ...(signal === undefined ? {} : { signal }) }),
      });
    }
    await context.emit({
      type: 'run-log',
      message: `extension ${extension.name}: ${server.name} ${server.version}, ${tools.length} ${tools.length === 1 ? 'tool' : 'tools'}`,
      data: {
        kind: 'extension_connected',
        extension: extension.name,
        server: { name: server.name, version: server.version },
        tools: named.map(({ name }) => name),
      },
    });
  }
  return session;
}

/**
 * The extensions of an agent run, as the agent host passes them to the agent (which starts or
 * reaches their servers itself), with their secrets opened: only the run's own extensions, since
 * the agent sees every value it is given. Deleted ones are left out with a warning.
 */
export async function agentExtensionsOf(
  run: Pick<Run, 'extensions'>,
  source: RunExtensionSource,
  builtin: BuiltinContext,
): Promise<{ extensions: AgentExtension[]; secrets: string[]; warnings: string[]; release(): void }> {
  const extensions: AgentExtension[] = [];
  const secrets: string[] = [];
  const warnings: string[] = [];
  const grants: BuiltinExtensionGrant[] = [];
  const release = () => {
    for (const grant of grants) grant.revoke();
  };
  for (const entry of run.extensions) {
    const stored = await revealOrNull(source, entry.id);
    if (stored === null) {
      warnings.push(`extension ${entry.name}: it was deleted; the run went without it`);
      continue;
    }
    const revealed = await realize(stored, builtin, grants);
    if ('unavailable' in revealed) {
      warnings.push(`extension ${entry.name}: ${revealed.unavailable}; the run went without it`);
      continue;
    }
    secrets.push(...revealed.secrets);
    const { extension } = revealed;
    extensions.push({
      id: extension.id,
      name: extension.name,
      type: extension.type,
      command: extension.command,
      args: [...extension.args],
      cwd: extension.cwd,
      env: revealed.env,
      url: extension.uri,
      headers: revealed.headers,
      timeoutSeconds: extension.timeoutSeconds,
    });
  }
  return { extensions, secrets, warnings, release };
}
