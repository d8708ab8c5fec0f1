import {
  type AgentDefinition,
  type AgentRunInput,
  type AgentWire,
  agentRunInputSchema,
  builtInAgentOf,
  builtInAgents,
  firstProfileOfWire,
  type ModelProfile,
  providersOfWire,
  type Run,
  type Task,
} from '../domain/index.ts';
import { InvalidInputError, NotFoundError } from '../errors/index.ts';
import type { AgentSpec } from '../ports/agent-host.ts';
import type { Store } from '../ports/store.ts';

/** One agent run asked for (see {@link agentRunInputSchema}, kept in the domain: templates store it too). */
export { type AgentRunInput, agentRunInputSchema };

/** The canonical name of an agent spec. */
export function agentNameOf(spec: AgentSpec): string {
  return spec.kind === 'built-in' ? spec.agent.name : spec.definition.name;
}

/** The wire an agent spec speaks. */
export function agentWireOf(spec: AgentSpec): AgentWire {
  return spec.kind === 'built-in' ? spec.agent.wire : spec.definition.wire;
}

/** The name people see for an agent spec. */
export function agentDisplayNameOf(spec: AgentSpec): string {
  return spec.kind === 'built-in' ? spec.agent.displayName : spec.definition.name;
}

/** The built-in agent `name` names (or an alias of it), else the custom agent of that name, else null. */
export async function findAgentSpec(store: Store, name: string): Promise<AgentSpec | null> {
  const builtIn = builtInAgentOf(name);
  if (builtIn !== null) return { kind: 'built-in', agent: builtIn };
  const definition: AgentDefinition | null = await store.agents.getByName(name);
  return definition === null ? null : { kind: 'custom', definition };
}

/** {@link findAgentSpec}, or InvalidInputError naming the agents there are. */
export async function requireAgentSpec(store: Store, name: string): Promise<AgentSpec> {
  const spec = await findAgentSpec(store, name);
  if (spec !== null) return spec;
  throw new InvalidInputError(
    `unknown agent ${JSON.stringify(name)}: the built-in agents are ${builtInAgents.map((agent) => agent.name).join(', ')}; custom ones are added with \`goosuke agents add\``,
  );
}

/**
 * The profile an agent run uses: `modelId` when given (InvalidInputError unless its provider
 * serves the agent's wire), else the earliest stored profile of such a provider, else
 * InvalidInputError saying how to add one.
 */
export async function agentProfileOf(
  store: Store,
  spec: AgentSpec,
  modelId: string | undefined,
): Promise<ModelProfile> {
  const wire = agentWireOf(spec);
  const providers = providersOfWire(wire);
  const name = agentNameOf(spec);
  if (modelId !== undefined) {
    const profile = await store.models.get(modelId);
    if (profile === null) throw new NotFoundError('model profile', modelId);
    if (!providers.includes(profile.provider)) {
      throw new InvalidInputError(
        `agent ${name} speaks the ${wire} API: its model must be a profile of ${providers.join(' or ')}, not ${profile.provider} (${profile.displayName})`,
      );
    }
    return profile;
  }
  const firsts = await Promise.all(
    providers.map(async (provider) => (await store.models.list({ provider, limit: 1 })).items[0] ?? null),
  );
  const found = firstProfileOfWire(
    firsts.filter((profile): profile is ModelProfile => profile !== null),
    wire,
  );
  if (found !== null) return found;
  const example = spec.kind === 'built-in' ? spec.agent.defaultModel : `${providers[0]}:MODEL`;
  throw new InvalidInputError(
    `agent ${name} needs a model profile of ${providers.join(' or ')} (it speaks the ${wire} API): add one (goosuke models add ${example}) or name one`,
  );
}

/** One run to make: its executor, the profile it runs on, and its label for the `run-queued` event. */
export interface PlannedExecutor {
  executor: Run['executor'];
  profile: ModelProfile;
  label: string;
}

/**
 * The executors of the runs `input` asks for, read with `store` (the caller's transaction): one
 * per model profile (NotFoundError for a missing one), then one per agent on its profile (see
 * {@link agentProfileOf}). InvalidInputError for agents on a task without a repository, an
 * unknown agent, or an agent named twice on one profile.
 */
export async function planExecutors(
  store: Store,
  task: Task,
  input: { models: readonly string[]; agents: ReadonlyArray<{ agent: string; model?: string | undefined }> },
): Promise<PlannedExecutor[]> {
  const planned: PlannedExecutor[] = [];
  for (const id of input.models) {
    const profile = await store.models.get(id);
    if (profile === null) throw new NotFoundError('model profile', id);
    planned.push({
      executor: { kind: 'model', modelProfileId: id },
      profile,
      label: `${profile.provider}:${profile.modelName}`,
    });
  }
  if (input.agents.length > 0 && task.repoId === null) {
    throw new InvalidInputError('agents change repositories: a task without a repository takes models only', [
      { path: ['agents'], message: 'agents need a repository task' },
    ]);
  }
  const seen = new Set<string>();
  for (const [index, entry] of input.agents.entries()) {
    const spec = await requireAgentSpec(store, entry.agent);
    const profile = await agentProfileOf(store, spec, entry.model);
    const name = agentNameOf(spec);
    const key = `${name}\0${profile.id}`;
    if (seen.has(key)) {
      throw new InvalidInputError(`agent ${name} on ${profile.displayName} is named twice; name each once`, [
        { path: ['agents', index], message: 'an agent and model named twice' },
      ]);
    }
    seen.add(key);
    planned.push({
      executor: { kind: 'agent', agent: name, modelProfileId: profile.id },
      profile,
      label: `${name} (${profile.provider}:${profile.modelName})`,
    });
  }
  return planned;
}
