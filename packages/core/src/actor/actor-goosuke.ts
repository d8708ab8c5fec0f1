import type { ActorRunner } from './actor.ts';
import type { ActorAccount, ActorTokens, ActorUsers } from './actor-account.ts';
import { createActorAccount } from './actor-account.ts';
import {
  type ActorActions,
  type ActorDiscord,
  type ActorGitHub,
  type ActorModels,
  type ActorRepos,
  type ActorSettings,
  type ActorTemplates,
  createActorAdministration,
} from './actor-admin.ts';
import { type ActorPullRequests, type ActorRuns, type ActorTasks, createActorTasks } from './actor-tasks.ts';
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
  readonly github: ActorGitHub;
  readonly discord: ActorDiscord;
}

/** Builds the actor-scoped facade over the system services; `runner` resolves and checks the actor. */
export function createActorGoosuke(system: SystemServices, runner: ActorRunner): ActorGoosuke {
  return Object.freeze({
    ...createActorAccount(system, runner),
    ...createActorTasks(system, runner),
    ...createActorAdministration(system, runner),
  });
}
