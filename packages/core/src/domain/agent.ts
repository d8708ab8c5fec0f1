import { z } from 'zod';
import { idSchema, timestampSchema } from './common.ts';
import type { ModelProvider } from './model-profile.ts';

/**
 * The model API an agent speaks, which the model gateway serves for its runs (no translation
 * between wires): Anthropic Messages, OpenAI Responses, OpenAI Chat Completions, Gemini.
 */
export const agentWireSchema = z
  .enum(['anthropic', 'openai-responses', 'openai-chat', 'gemini'])
  .meta({ id: 'AgentWire' });
/** An agent's wire. */
export type AgentWire = z.infer<typeof agentWireSchema>;

/**
 * An agent's name: lower-case letters, digits and dashes, starting with a letter (`claude-code`,
 * `my-agent`). Built-in names and their aliases are reserved.
 */
export const agentNameSchema = z
  .string()
  .regex(
    /^[a-z][a-z0-9-]{0,39}$/,
    'lower-case letters, digits and dashes, starting with a letter, at most 40',
  )
  .meta({ id: 'AgentName' });

/** The agents Goosuke knows by name; each has a launch recipe in `@goosuke/acp`. */
export const builtInAgentNameSchema = z
  .enum(['claude-code', 'codex', 'gemini', 'goose'])
  .meta({ id: 'BuiltInAgentName' });
/** A built-in agent's name. */
export type BuiltInAgentName = z.infer<typeof builtInAgentNameSchema>;

/**
 * One agent run asked for (by a run, a template's defaults, a trigger): an agent by name, on a
 * model profile of the provider its wire speaks.
 */
export const agentRunInputSchema = z
  .object({
    /** A built-in agent (`claude-code`, `codex`, `gemini` or `gemini-cli`, `goose`) or a custom one. */
    agent: z.string().trim().min(1).max(40),
    /**
     * The model profile its calls go to; it must be of a provider of the agent's wire. Without it:
     * the first stored profile of such a provider when the run is made.
     */
    model: idSchema.optional(),
  })
  .strict()
  .meta({ id: 'AgentRunInput' });
/** An agent run asked for. */
export type AgentRunInput = z.input<typeof agentRunInputSchema>;

/** What Goosuke knows of a built-in agent without looking at the host. */
export interface BuiltInAgent {
  readonly name: BuiltInAgentName;
  /** Other names it answers to (`gemini-cli` for `gemini`). */
  readonly aliases: readonly string[];
  readonly displayName: string;
  readonly wire: AgentWire;
  /** The model its runs use when no profile of its provider is stored (`provider:model`). */
  readonly defaultModel: string;
  /** How to install it, one line for people. */
  readonly install: string;
}

/** The built-in agents, in the order lists show them. */
export const builtInAgents: readonly BuiltInAgent[] = Object.freeze([
  {
    name: 'claude-code',
    aliases: ['claude'],
    displayName: 'Claude Code',
    wire: 'anthropic',
    defaultModel: 'anthropic:claude-sonnet-4-5',
    install: 'npm install -g @zed-industries/claude-code-acp',
  },
  {
    name: 'codex',
    aliases: [],
    displayName: 'Codex',
    wire: 'openai-responses',
    defaultModel: 'openai:gpt-5.5',
    install: 'npm install -g @zed-industries/codex-acp (and Debian bubblewrap: apt-get install bubblewrap)',
  },
  {
    name: 'gemini',
    aliases: ['gemini-cli'],
    displayName: 'Gemini CLI',
    wire: 'gemini',
    defaultModel: 'google:gemini-2.5-pro',
    install: 'npm install -g @google/gemini-cli',
  },
  {
    name: 'goose',
    aliases: [],
    displayName: 'Goose',
    wire: 'openai-chat',
    defaultModel: 'openai:gpt-4.1',
    install: 'see https://block.github.io/goose/docs/getting-started/installation (the goose binary on PATH)',
  },
] satisfies BuiltInAgent[]);

/** The built-in agent `name` or one of its aliases names, or null. */
export function builtInAgentOf(name: string): BuiltInAgent | null {
  return builtInAgents.find((agent) => agent.name === name || agent.aliases.includes(name)) ?? null;
}

/** The providers whose model profiles can serve `wire`. */
export function providersOfWire(wire: AgentWire): readonly ModelProvider[] {
  switch (wire) {
    case 'anthropic':
      return ['anthropic'];
    case 'gemini':
      return ['google'];
    case 'openai-responses':
    case 'openai-chat':
      return ['openai', 'openai-compatible'];
  }
}

/**
 * The profile an agent of `wire` runs on when none is named: the earliest created of `profiles`
 * whose provider serves the wire, or null.
 */
export function firstProfileOfWire<Profile extends { provider: ModelProvider; createdAt: string }>(
  profiles: readonly Profile[],
  wire: AgentWire,
): Profile | null {
  const providers = providersOfWire(wire);
  return (
    profiles
      .filter((profile) => providers.includes(profile.provider))
      .sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0))[0] ?? null
  );
}

/**
 * A custom agent an administrator added: any program speaking the Agent Client Protocol on
 * stdio. Its `command` runs on the Goosuke host (in the sandbox), so only admins define agents.
 */
export const agentDefinitionSchema = z
  .object({
    id: idSchema,
    name: agentNameSchema,
    /** The executable: an absolute path or a name found on the agent's PATH. */
    command: z.string().min(1).max(4096),
    args: z.array(z.string().max(4096)).max(64),
    wire: agentWireSchema,
    /** A session mode set after `session/new` (e.g. `acceptEdits`), or null. */
    sessionMode: z.string().min(1).max(100).nullable(),
    description: z.string().max(1000).nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'AgentDefinition' });
/** A custom agent. */
export type AgentDefinition = z.infer<typeof agentDefinitionSchema>;

/** Whether an agent can be started on this host, as `GET /api/v1/agents` and `goosuke agents list` show it. */
export const agentInstallationSchema = z
  .object({
    installed: z.boolean(),
    /** The resolved executable, when installed. */
    path: z.string().nullable(),
    /** The version it reports, when it does. */
    version: z.string().nullable(),
    /** Why it cannot start, when it cannot (not found, not executable). */
    problem: z.string().nullable(),
  })
  .meta({ id: 'AgentInstallation' });
/** An agent's installation on the host. */
export type AgentInstallation = z.infer<typeof agentInstallationSchema>;

/** One agent as lists show it: built-in or custom, with its installation. */
export const agentViewSchema = z
  .object({
    name: agentNameSchema,
    kind: z.enum(['built-in', 'custom']),
    aliases: z.array(z.string()),
    displayName: z.string(),
    wire: agentWireSchema,
    /** `provider:model` used when no profile of the wire's providers is stored; null for custom agents. */
    defaultModel: z.string().nullable(),
    /** How to install it (built-in agents), or null. */
    install: z.string().nullable(),
    installation: agentInstallationSchema,
    /** The definition's id, for custom agents. */
    id: idSchema.nullable(),
  })
  .meta({ id: 'AgentView' });
/** An agent in a list. */
export type AgentView = z.infer<typeof agentViewSchema>;
