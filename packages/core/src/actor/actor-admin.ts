import type { z } from 'zod';
import type { ActorOperation } from '../auth/access-policy.ts';
import { assertMayTrigger } from '../auth/access-policy.ts';
import type {
  ActionService,
  CreateActionInput,
  CreatedAction,
  TriggeredTask,
} from '../services/action-service.ts';
import { triggerActionInputSchema } from '../services/action-service.ts';
import type { AgentService } from '../services/agent-service.ts';
import type { DiscordService } from '../services/discord-service.ts';
import type { ExtensionService } from '../services/extension-service.ts';
import type { GitHubService } from '../services/github-service.ts';
import type { ModelProfileService } from '../services/model-profile-service.ts';
import { parseInput } from '../services/parse-input.ts';
import type { RepoService } from '../services/repo-service.ts';
import type { SettingService } from '../services/setting-service.ts';
import type { TemplateService } from '../services/template-service.ts';
import type { ActorRunner } from './actor.ts';
import type { SystemServices } from './system-services.ts';

/** Model profiles: members list and read them; admins manage them. Keys are never returned. */
export type ActorModels = Pick<ModelProfileService, 'list' | 'get' | 'create' | 'update' | 'delete' | 'test'>;
/** Repositories: members list and read them; admins register and manage them. */
export type ActorRepos = Pick<RepoService, 'list' | 'get' | 'create' | 'update' | 'delete'>;
/** Templates: admins only. */
export type ActorTemplates = Pick<TemplateService, 'list' | 'get' | 'create' | 'update' | 'delete'>;
/** Coding agents: members list them; admins add and remove custom ones. */
export type ActorAgents = Pick<AgentService, 'list' | 'get' | 'create' | 'delete'>;
/**
 * MCP extensions: members list and read them (never a secret value); admins manage them and
 * import them from, or export them to, Goose's `config.yaml`.
 */
export type ActorExtensions = Pick<
  ExtensionService,
  'list' | 'get' | 'resolve' | 'create' | 'update' | 'delete' | 'importFromGoose' | 'exportToGoose'
>;
/** Deployment settings: admins only; secret values stay write-only. */
export type ActorSettings = Pick<SettingService, 'list' | 'get' | 'set' | 'delete'>;
/** GitHub's configuration (admins) and a repository's branches (members). */
export type ActorGitHub = Pick<
  GitHubService,
  'getConfig' | 'setConfig' | 'listRepositories' | 'listBranches'
>;
/** The Discord bot's per-guild configuration: admins only. */
export type ActorDiscord = Pick<DiscordService, 'getGuildConfig' | 'setGuildConfig' | 'listGuildConfigs'>;

/** Input of `as(actor).actions.trigger`: the task is the actor's. */
export const actorTriggerActionInputSchema = triggerActionInputSchema.omit({
  createdBy: true,
  firedBy: true,
});
/** Input to trigger an action as an actor. */
export type ActorTriggerActionInput = z.input<typeof actorTriggerActionInputSchema>;

/** Actions: admins manage them; members trigger manual ones by hand. */
export interface ActorActions
  extends Pick<ActionService, 'list' | 'get' | 'update' | 'delete' | 'rotateWebhookSecret'> {
  /** Stores an action (admins); its owner defaults to the actor. */
  create(input: CreateActionInput): Promise<CreatedAction>;
  /**
   * Fills the action's template and starts its runs; the task is the actor's and records them as
   * having fired it by hand (`Task.firedBy`). Members may fire manual actions only
   * (ForbiddenError for another trigger); admins any action.
   * `idempotencyKey` is the actor's own: a retry with the same key and input returns the first
   * task (`created: false`); the same key with another input is a ConflictError.
   */
  trigger(id: string, input?: ActorTriggerActionInput): Promise<TriggeredTask>;
}

/** The admin-managed parts of the actor-scoped facade. */
export interface ActorAdministration {
  models: ActorModels;
  repos: ActorRepos;
  templates: ActorTemplates;
  actions: ActorActions;
  settings: ActorSettings;
  agents: ActorAgents;
  extensions: ActorExtensions;
  github: ActorGitHub;
  discord: ActorDiscord;
}

/**
 * Wraps every listed method of `service` so that it runs as the actor under `area.method`:
 * these operations need nothing but the role rule the runner applies.
 */
function guarded<Service extends object, Name extends keyof Service & string>(
  runner: ActorRunner,
  area: string,
  service: Service,
  names: readonly Name[],
): Pick<Service, Name> {
  const wrapped: Partial<Pick<Service, Name>> = {};
  for (const name of names) {
    const method = service[name] as (...args: unknown[]) => Promise<unknown>;
    (wrapped as Record<string, unknown>)[name] = (...args: unknown[]) =>
      runner.run(`${area}.${name}` as ActorOperation, () => method.apply(service, args));
  }
  return wrapped as Pick<Service, Name>;
}

const crud = ['list', 'get', 'create', 'update', 'delete'] as const;

/** The admin-managed parts of the actor-scoped facade, each built from the system view and the actor. */
export const actorAdministrationAreas: {
  readonly [Area in keyof ActorAdministration]: (
    system: SystemServices,
    runner: ActorRunner,
  ) => ActorAdministration[Area];
} = {
  models: (system, runner) => guarded(runner, 'models', system.models, [...crud, 'test']),
  repos: (system, runner) => guarded(runner, 'repos', system.repos, crud),
  templates: (system, runner) => guarded(runner, 'templates', system.templates, crud),
  settings: (system, runner) =>
    guarded(runner, 'settings', system.settings, ['list', 'get', 'set', 'delete']),
  agents: (system, runner) => guarded(runner, 'agents', system.agents, ['list', 'get', 'create', 'delete']),
  extensions: (system, runner) =>
    guarded(runner, 'extensions', system.extensions, [
      'list',
      'get',
      'resolve',
      'create',
      'update',
      'delete',
      'importFromGoose',
      'exportToGoose',
    ]),
  github: (system, runner) =>
    guarded(runner, 'github', system.github, ['getConfig', 'setConfig', 'listRepositories', 'listBranches']),
  discord: (system, runner) =>
    guarded(runner, 'discord', system.discord, ['getGuildConfig', 'setGuildConfig', 'listGuildConfigs']),
  actions: (system, runner) => ({
    ...guarded(runner, 'actions', system.actions, ['list', 'get', 'update', 'delete', 'rotateWebhookSecret']),
    create: (input) =>
      runner.run('actions.create', ({ user }) =>
        system.actions.create({ ...input, ownerId: input.ownerId ?? user.id }),
      ),
    trigger: (id, raw = {}) =>
      runner.run('actions.trigger', async (acting) => {
        const { idempotencyKey, ...input } = parseInput(actorTriggerActionInputSchema, raw, 'trigger');
        assertMayTrigger(acting, await system.actions.get(id));
        // The caller's key is theirs alone: recorded per user and action, never the action's own keys.
        return system.actions.trigger(
          id,
          // Fired by hand: the task says who, whatever the action's own trigger is.
          { ...input, createdBy: acting.user.id, firedBy: acting.user.id },
          idempotencyKey === undefined
            ? {}
            : { idempotency: { userId: acting.user.id, key: idempotencyKey } },
        );
      }),
  }),
};
