import type { ActorRunner } from './actor.ts';
import {
  type ActorAccount,
  type ActorTokens,
  type ActorUsers,
  createActorAccount,
  createActorTokens,
  createActorUsers,
} from './actor-account.ts';
import {
  type ActorActions,
  type ActorAgents,
  type ActorDiscord,
  type ActorExtensions,
  type ActorGitHub,
  type ActorModels,
  type ActorRepos,
  type ActorSettings,
  type ActorTemplates,
  actorAdministrationAreas,
} from './actor-admin.ts';
import {
  type ActorPullRequests,
  type ActorRuns,
  type ActorTasks,
  createActorPullRequests,
  createActorRuns,
  createActorTasks,
} from './actor-tasks.ts';
import type { SystemServices } from './system-services.ts';

/**
 * Goosuke as one user sees it: what `goosuke.as(actor)` returns. Every call acts as that actor
 * under the access policy (`actorOperations` in `@goosuke/core`): members see and change their own
 * tasks, runs, messages, pull requests and tokens, read models and repositories and trigger
 * manual actions; admins may do everything. Something of another member's answers as missing
 * (NotFoundError); an operation the role does not allow is a ForbiddenError; a deleted or disabled
 * user is refused at every call. Authors (`createdBy`, an action's owner) are the actor, never an
 * input. System operations (`close`, workers, the scheduler, webhooks, sign-in) are not here.
 */
export interface ActorGoosuke {
  /** The actor's own account. */
  readonly account: ActorAccount;
  readonly tokens: ActorTokens;
  readonly users: ActorUsers;
  readonly models: ActorModels;
  readonly repos: ActorRepos;
  readonly tasks: ActorTasks;
  readonly runs: ActorRuns;
  readonly pullRequests: ActorPullRequests;
  readonly templates: ActorTemplates;
  readonly actions: ActorActions;
  readonly settings: ActorSettings;
  readonly agents: ActorAgents;
  readonly extensions: ActorExtensions;
  readonly github: ActorGitHub;
  readonly discord: ActorDiscord;
}

/** How each area of the facade is built from the system view and the actor. */
const areas: {
  readonly [Area in keyof ActorGoosuke]: (system: SystemServices, runner: ActorRunner) => ActorGoosuke[Area];
} = {
  account: createActorAccount,
  tokens: createActorTokens,
  users: createActorUsers,
  tasks: createActorTasks,
  runs: createActorRuns,
  pullRequests: createActorPullRequests,
  ...actorAdministrationAreas,
};

/** The names of the facade's areas, in a stable order (e.g. to enumerate its operations). */
export const actorAreaNames = Object.keys(areas) as ReadonlyArray<keyof ActorGoosuke>;

/**
 * Builds the actor-scoped facade over the system services; `runner` resolves and checks the actor.
 * Cheap (adapters make one per request): an area is built the first time it is used.
 */
export function createActorGoosuke(system: SystemServices, runner: ActorRunner): ActorGoosuke {
  const built: Partial<Record<keyof ActorGoosuke, unknown>> = {};
  const facade = Object.create(lazyAreas) as ActorGoosuke;
  Object.defineProperty(facade, context, { value: { system, runner, built } });
  return Object.freeze(facade);
}

const context = Symbol('actor facade');

/** One prototype for every facade: a getter per area that builds it once per facade. */
const lazyAreas: object = Object.freeze(
  Object.defineProperties(
    {},
    Object.fromEntries(
      actorAreaNames.map((name) => [
        name,
        {
          enumerable: true,
          get(this: {
            [context]: { system: SystemServices; runner: ActorRunner; built: Record<string, unknown> };
          }) {
            const state = this[context];
            state.built[name] ??= areas[name](state.system, state.runner);
            return state.built[name];
          },
        },
      ]),
    ),
  ),
);
