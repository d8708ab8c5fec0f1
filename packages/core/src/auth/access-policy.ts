import type { AccessToken, Action, AuthenticationMethod, Task, User, UserRole } from '../domain/index.ts';
import { ForbiddenError, NotFoundError } from '../errors/index.ts';

/**
 * Who acts through `goosuke.as(actor)`, as the policy sees them: the user as stored now (role
 * and disabled flag read again, never trusted from a token) and how they proved who they are.
 * `trusted` is server-side code acting for the user with a `User` it holds (no credential).
 */
export interface ActingUser {
  readonly user: User;
  readonly via: AuthenticationMethod | 'trusted';
  /**
   * When the user last proved who they are: for an access JWT, the password sign-in its session
   * started with (refreshes keep it); for a personal access token, its creation; null for
   * trusted code.
   */
  readonly authenticatedAt: string | null;
  /** The session (refresh-token family) of an access JWT; null for tokens and trusted code. */
  readonly sessionId: string | null;
}

/**
 * How recent a sign-in must be for what needs one (creating a personal access token) without
 * the password given again: 10 minutes.
 */
export const recentSignInMs = 10 * 60 * 1000;

/**
 * What an operation asks of its actor besides being an enabled user:
 * - `member`: any signed-in user;
 * - `admin`: admins only (ForbiddenError otherwise);
 * - `task`: the target task (or the run, message or pull request of one) was created by the actor,
 *   or the actor is an admin; anyone else is told it does not exist (NotFoundError), so that ids
 *   of others cannot be probed;
 * - `own`: a list that holds, for a member, only what the member owns (admins: everything);
 * - `self`: the actor's own account or tokens (admins: anyone's, where the operation allows).
 */
export type AccessRule = 'member' | 'admin' | 'task' | 'own' | 'self';

/**
 * Every operation of the actor-scoped facade (`goosuke.as(actor)`) and its rule: the single
 * place that says who may do what. Adapters document their routes from it (an HTTP route names the
 * operation it calls); the policy test covers every entry for an admin, the owner and another member.
 */
export const actorOperations = {
  'account.get': { rule: 'self', summary: 'read your own account' },
  'account.changePassword': { rule: 'self', summary: 'change your own password' },
  'account.createStreamTicket': { rule: 'self', summary: 'make a ticket for an event stream' },
  'account.signOut': { rule: 'self', summary: 'sign one of your sessions out' },
  'account.signOutEverywhere': {
    rule: 'self',
    summary: 'sign every one of your sessions out (personal access tokens stay)',
  },
  'tokens.create': { rule: 'self', summary: 'create a personal access token for yourself' },
  'tokens.list': { rule: 'self', summary: "list your personal access tokens (admins: anyone's)" },
  'tokens.revoke': { rule: 'self', summary: "revoke a personal access token (yours; admins: anyone's)" },
  'users.list': { rule: 'admin', summary: 'list users' },
  'users.create': { rule: 'admin', summary: 'create users' },
  'users.get': { rule: 'self', summary: 'read a user (yourself; admins: anyone)' },
  'users.update': { rule: 'admin', summary: 'change roles and disable users' },
  'users.resetPassword': { rule: 'admin', summary: "set another user's password" },
  'users.signOut': {
    rule: 'admin',
    summary: 'sign a user out everywhere (every session and personal access token)',
  },
  'models.list': { rule: 'member', summary: 'list model profiles' },
  'models.get': { rule: 'member', summary: 'read a model profile' },
  'models.create': { rule: 'admin', summary: 'create model profiles' },
  'models.update': { rule: 'admin', summary: 'change model profiles' },
  'models.delete': { rule: 'admin', summary: 'delete model profiles' },
  'models.test': { rule: 'admin', summary: "make one tiny call to a model profile's model" },
  'repos.list': { rule: 'member', summary: 'list repositories' },
  'repos.get': { rule: 'member', summary: 'read a repository' },
  'repos.create': { rule: 'admin', summary: 'register repositories (a URL may name a local path)' },
  'repos.update': { rule: 'admin', summary: 'change repositories' },
  'repos.delete': { rule: 'admin', summary: 'delete repositories' },
  'tasks.list': { rule: 'own', summary: "list tasks (a member's own; an admin's all)" },
  'tasks.create': { rule: 'member', summary: 'create tasks' },
  'tasks.get': { rule: 'task', summary: 'read a task' },
  'tasks.getDetail': { rule: 'task', summary: 'read a task with its messages and runs' },
  'tasks.rename': { rule: 'task', summary: 'rename a task' },
  'tasks.setArchived': { rule: 'task', summary: 'archive or restore a task' },
  'tasks.delete': { rule: 'task', summary: 'delete a task' },
  'tasks.addMessage': { rule: 'task', summary: "add a message to a task's conversation" },
  'tasks.listMessages': { rule: 'task', summary: "read a task's conversation" },
  'tasks.choose': { rule: 'task', summary: 'choose the run a task continues from' },
  'runs.create': { rule: 'task', summary: 'start runs on a task' },
  'runs.get': { rule: 'task', summary: 'read a run' },
  'runs.list': { rule: 'task', summary: "list a task's runs (admins: any runs)" },
  'runs.events': { rule: 'task', summary: "read a run's events" },
  'runs.cancel': { rule: 'task', summary: 'cancel a run' },
  'runs.compare': { rule: 'task', summary: 'compare the runs of a message' },
  'runs.taskUsage': { rule: 'task', summary: "read a task's token usage and cost" },
  'runs.waitFor': { rule: 'task', summary: 'wait for runs to end' },
  'pullRequests.create': { rule: 'task', summary: "open a task's pull request" },
  'pullRequests.update': { rule: 'task', summary: "add a run to a task's pull request" },
  'pullRequests.get': { rule: 'task', summary: "read a task's pull request" },
  'pullRequests.list': { rule: 'task', summary: "list a task's pull requests" },
  'templates.list': { rule: 'admin', summary: 'list templates' },
  'templates.get': { rule: 'admin', summary: 'read a template' },
  'templates.create': { rule: 'admin', summary: 'create templates' },
  'templates.update': { rule: 'admin', summary: 'change templates' },
  'templates.delete': { rule: 'admin', summary: 'delete templates' },
  'actions.list': { rule: 'admin', summary: 'list actions' },
  'actions.get': { rule: 'admin', summary: 'read an action' },
  'actions.create': { rule: 'admin', summary: 'create actions' },
  'actions.update': { rule: 'admin', summary: 'change actions' },
  'actions.delete': { rule: 'admin', summary: 'delete actions' },
  'actions.rotateWebhookSecret': { rule: 'admin', summary: "replace an action's webhook secret" },
  'actions.trigger': { rule: 'member', summary: 'trigger an action by hand' },
  'agents.list': { rule: 'member', summary: 'list coding agents and whether they are installed' },
  'agents.get': { rule: 'member', summary: 'read a coding agent' },
  'agents.create': { rule: 'admin', summary: 'add custom agents (a command the server runs)' },
  'agents.delete': { rule: 'admin', summary: 'remove custom agents' },
  'extensions.list': { rule: 'member', summary: 'list MCP extensions (never a secret value)' },
  'extensions.get': { rule: 'member', summary: 'read an MCP extension (never a secret value)' },
  'extensions.resolve': { rule: 'member', summary: 'find an MCP extension by id or name' },
  'extensions.create': {
    rule: 'admin',
    summary: 'add MCP extensions (a command the server runs, or a URL it calls)',
  },
  'extensions.update': { rule: 'admin', summary: 'change MCP extensions' },
  'extensions.delete': { rule: 'admin', summary: 'remove MCP extensions' },
  'extensions.importFromGoose': {
    rule: 'admin',
    summary: "import MCP extensions from Goose's config.yaml (deleted ones stay deleted)",
  },
  'extensions.exportToGoose': {
    rule: 'admin',
    summary: "write MCP extensions into Goose's config.yaml (never a secret value)",
  },
  'settings.list': { rule: 'admin', summary: 'list deployment settings' },
  'settings.get': { rule: 'admin', summary: 'read a deployment setting' },
  'settings.set': { rule: 'admin', summary: 'change deployment settings' },
  'settings.delete': { rule: 'admin', summary: 'delete deployment settings' },
  'github.getConfig': { rule: 'admin', summary: "read GitHub's configuration" },
  'github.setConfig': { rule: 'admin', summary: "change GitHub's configuration" },
  'github.listRepositories': { rule: 'admin', summary: 'list the repositories GitHub credentials reach' },
  'github.listBranches': { rule: 'member', summary: "list a GitHub repository's branches" },
  'discord.getGuildConfig': { rule: 'admin', summary: "read the Discord bot's configuration of a guild" },
  'discord.setGuildConfig': { rule: 'admin', summary: "change the Discord bot's configuration of a guild" },
  'discord.listGuildConfigs': { rule: 'admin', summary: "list the Discord bot's configured guilds" },
} as const satisfies Record<string, { rule: AccessRule; summary: string }>;

/** The name of an actor-scoped operation, `area.method` (e.g. `tasks.get`). */
export type ActorOperation = keyof typeof actorOperations;

/** Whether `held` is at least `needed`. */
function hasRole(held: UserRole, needed: UserRole): boolean {
  return needed === 'member' || held === 'admin';
}

/**
 * Refuses an operation that `role` does not allow: an `admin` operation for a member. Rules that
 * depend on a target (`task`, `self`) are checked with the target by the helpers below. Adapters
 * may call it before parsing a request, with the role authentication read from the store.
 *
 * @throws ForbiddenError naming what only admins may do.
 */
export function authorizeRole(role: UserRole, operation: ActorOperation): void {
  const { rule, summary } = actorOperations[operation];
  if (rule === 'admin' && !hasRole(role, 'admin')) throw new ForbiddenError(`only an admin may ${summary}`);
}

/** {@link authorizeRole} for an acting user. */
export function authorize(actor: ActingUser, operation: ActorOperation): void {
  authorizeRole(actor.user.role, operation);
}

/** Whether the actor may see `task`: its creator, or an admin. */
export function canSeeTask(actor: ActingUser, task: Pick<Task, 'createdBy'>): boolean {
  return actor.user.role === 'admin' || (task.createdBy !== null && task.createdBy === actor.user.id);
}

/**
 * Refuses a task (or something of it: a run, message or pull request) the actor may not see,
 * as if it did not exist: another member's ids are neither confirmed nor denied.
 *
 * @throws NotFoundError for `entity` `id` (by default the task itself).
 */
export function assertTaskVisible(
  actor: ActingUser,
  task: Pick<Task, 'id' | 'createdBy'>,
  entity: { kind: string; id: string } = { kind: 'task', id: task.id },
): void {
  if (!canSeeTask(actor, task)) throw new NotFoundError(entity.kind, entity.id);
}

/**
 * The author filter of a task list: a member sees their own tasks only (asking for another's is
 * refused), an admin sees all or filters by any author.
 *
 * @throws ForbiddenError when a member asks for another user's tasks.
 */
export function taskListAuthor(actor: ActingUser, requested: string | undefined): string | undefined {
  if (actor.user.role === 'admin') return requested;
  if (requested !== undefined && requested !== actor.user.id) {
    throw new ForbiddenError("only an admin may list another user's tasks");
  }
  return actor.user.id;
}

/**
 * Whether the actor may see or manage the user `userId` (their account, their tokens): themselves,
 * or any user for an admin.
 */
export function canActOnUser(actor: ActingUser, userId: string): boolean {
  return actor.user.role === 'admin' || actor.user.id === userId;
}

/**
 * Refuses a personal access token the actor may not manage, as if it did not exist.
 *
 * @throws NotFoundError for the token.
 */
export function assertTokenVisible(actor: ActingUser, token: Pick<AccessToken, 'id' | 'userId'>): void {
  if (!canActOnUser(actor, token.userId)) throw new NotFoundError('access token', token.id);
}

/**
 * Refuses making a personal access token from another token or from a session whose sign-in is
 * not recent: a leaked token, or a stolen refresh token (whose access tokens keep the session's
 * original sign-in time), must not mint a long-lived token that outlives the session. A session
 * signed in with its password within {@link recentSignInMs} of `now` may, as may one whose
 * password was just checked again (`passwordConfirmed`), and trusted code.
 *
 * @throws ForbiddenError when the actor authenticated with a personal access token, or with a
 *   session signed in too long ago and no password given.
 */
export function assertMayCreateAccessToken(
  actor: ActingUser,
  proof: { now: number; passwordConfirmed: boolean },
): void {
  if (actor.via === 'token') {
    throw new ForbiddenError('create access tokens from a signed-in session, not with a token');
  }
  if (actor.via === 'trusted' || proof.passwordConfirmed) return;
  const signedIn = actor.authenticatedAt === null ? Number.NaN : Date.parse(actor.authenticatedAt);
  if (!(proof.now - signedIn <= recentSignInMs)) {
    throw new ForbiddenError(
      'creating an access token needs a recent sign-in: re-enter your password (currentPassword) or sign in again',
    );
  }
}

/**
 * Refuses triggering an action by hand that the actor may not fire. Members fire `manual`
 * actions; the other triggers (webhooks, schedules, Discord) authenticate their own way, so a
 * member firing one would skip that check, and its callback would be signed with the action's
 * secret on the member's word. Admins may fire any action.
 *
 * @throws ForbiddenError for a member and a non-manual action.
 */
export function assertMayTrigger(actor: ActingUser, action: Pick<Action, 'name' | 'trigger'>): void {
  if (actor.user.role !== 'admin' && action.trigger !== 'manual') {
    throw new ForbiddenError(
      `only an admin may trigger ${action.name} by hand: it is a ${action.trigger} action, fired by its own trigger`,
    );
  }
}

/**
 * Refuses an actor whose account is gone or disabled (checked at every call: a user disabled
 * after authenticating is refused at once).
 *
 * @throws ForbiddenError when `user` is null or disabled.
 */
export function assertActive(user: User | null, userId: string): asserts user is User {
  if (user === null) throw new ForbiddenError(`user ${userId} no longer exists`);
  if (user.disabled) throw new ForbiddenError(`user ${user.username} is disabled`);
}
