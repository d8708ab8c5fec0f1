export type { Actor } from './actor.ts';
export type { ActorAccount, ActorTokens, ActorUsers } from './actor-account.ts';
export {
  type ActorActions,
  type ActorAdministration,
  type ActorDiscord,
  type ActorGitHub,
  type ActorModels,
  type ActorRepos,
  type ActorSettings,
  type ActorTemplates,
  type ActorTriggerActionInput,
  actorTriggerActionInputSchema,
} from './actor-admin.ts';
export { type ActorGoosuke, actorAreaNames } from './actor-goosuke.ts';
export {
  type ActorAddMessageInput,
  type ActorCreateRunsInput,
  type ActorCreateTaskInput,
  type ActorPullRequests,
  type ActorRuns,
  type ActorTasks,
  actorAddMessageInputSchema,
  actorCreateRunsInputSchema,
  actorCreateTaskInputSchema,
} from './actor-tasks.ts';
