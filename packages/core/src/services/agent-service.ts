import { z } from 'zod';
import {
  type AgentDefinition,
  type AgentInstallation,
  type AgentView,
  agentDefinitionSchema,
  agentNameSchema,
  agentWireSchema,
  builtInAgentOf,
  builtInAgents,
} from '../domain/index.ts';
import { ConflictError, NotFoundError } from '../errors/index.ts';
import type { AgentHost, AgentSpec } from '../ports/agent-host.ts';
import { isoNow } from '../ports/clock.ts';
import { collectPages } from '../ports/store.ts';
import { parseInput } from './parse-input.ts';
import { findAgentSpec } from './run-agents.ts';
import type { ServiceContext } from './service-context.ts';

/** Input of {@link AgentService.create}: a custom agent, any program speaking ACP on stdio. */
export const createAgentInputSchema = z
  .object({
    name: agentNameSchema,
    command: agentDefinitionSchema.shape.command,
    args: agentDefinitionSchema.shape.args.optional(),
    wire: agentWireSchema,
    sessionMode: agentDefinitionSchema.shape.sessionMode.optional(),
    description: agentDefinitionSchema.shape.description.optional(),
  })
  .strict()
  .meta({ id: 'CreateAgentInput' });
/** Input to add a custom agent. */
export type CreateAgentInput = z.input<typeof createAgentInputSchema>;

const noHost: AgentInstallation = {
  installed: false,
  path: null,
  version: null,
  problem: 'this Goosuke was built without an agent host: agents cannot run here',
};

/** Coding agents: the built-in ones and the custom ones administrators add, with their installation. */
export interface AgentService {
  /** Every agent: the built-in ones first (in catalogue order), then the custom ones by creation. */
  list(): Promise<AgentView[]>;
  /** The agent `name` names (built-in, alias or custom). NotFoundError when none. */
  get(name: string): Promise<AgentView>;
  /**
   * Adds a custom agent. InvalidInputError for bad input; ConflictError for a built-in name or
   * alias, or a name already taken.
   */
  create(input: CreateAgentInput): Promise<AgentView>;
  /** Removes a custom agent (its past runs keep its name). NotFoundError when none; ConflictError for a built-in one. */
  delete(name: string): Promise<void>;
}

/** Builds the agent service; `host` (the runtime's agent host) says which agents are installed. */
export function createAgentService(context: ServiceContext & { host: AgentHost | undefined }): AgentService {
  const { store, clock, ids, host } = context;

  const viewOf = async (spec: AgentSpec): Promise<AgentView> => {
    const installation = host === undefined ? noHost : await host.inspect(spec);
    if (spec.kind === 'built-in') {
      const { agent } = spec;
      return {
        name: agent.name,
        kind: 'built-in',
        aliases: [...agent.aliases],
        displayName: agent.displayName,
        wire: agent.wire,
        defaultModel: agent.defaultModel,
        install: agent.install,
        installation,
        id: null,
      };
    }
    const { definition } = spec;
    return {
      name: definition.name,
      kind: 'custom',
      aliases: [],
      displayName: definition.name,
      wire: definition.wire,
      defaultModel: null,
      install: null,
      installation,
      id: definition.id,
    };
  };

  return {
    async list() {
      const custom = await collectPages((cursor) => store.agents.list({ limit: 500, cursor }));
      const specs: AgentSpec[] = [
        ...builtInAgents.map((agent): AgentSpec => ({ kind: 'built-in', agent })),
        ...custom.map((definition): AgentSpec => ({ kind: 'custom', definition })),
      ];
      return Promise.all(specs.map(viewOf));
    },

    async get(name) {
      const spec = await findAgentSpec(store, name);
      if (spec === null) throw new NotFoundError('agent', name);
      return viewOf(spec);
    },

    async create(raw) {
      const input = parseInput(createAgentInputSchema, raw, 'agent');
      if (builtInAgentOf(input.name) !== null) {
        throw new ConflictError(`${input.name} is a built-in agent's name; choose another`);
      }
      const now = isoNow(clock);
      const definition: AgentDefinition = {
        id: ids.next('agent'),
        name: input.name,
        command: input.command,
        args: input.args ?? [],
        wire: input.wire,
        sessionMode: input.sessionMode ?? null,
        description: input.description ?? null,
        createdAt: now,
        updatedAt: now,
      };
      // The unique name makes a concurrent add of the same name a ConflictError from the store.
      const stored = await store.agents.insert(definition);
      return viewOf({ kind: 'custom', definition: stored });
    },

    async delete(name) {
      if (builtInAgentOf(name) !== null) throw new ConflictError(`${name} is built in and cannot be removed`);
      const definition = await store.agents.getByName(name);
      if (definition === null || !(await store.agents.delete(definition.id))) {
        throw new NotFoundError('agent', name);
      }
    },
  };
}
