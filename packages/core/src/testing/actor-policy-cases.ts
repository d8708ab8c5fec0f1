import type { ActorGoosuke } from '../actor/actor-goosuke.ts';
import type { ActorOperation } from '../auth/access-policy.ts';
import type { PolicyRole, PolicyTargets } from './actor-policy-fixture.ts';

/**
 * What a policy case expects of one actor:
 * - `allowed`: the policy lets the call through (it resolves, or with `allowedRejects` it fails
 *   for a reason that is not a refusal: no code host, a conflict, an aborted wait);
 * - `forbidden`: ForbiddenError (the role may not do this);
 * - `not-found`: NotFoundError (someone else's thing, answered as missing);
 * - `hidden`: the call succeeds, and the owner's thing is not in its result (a filtered list).
 */
export type PolicyOutcome = 'allowed' | 'forbidden' | 'not-found' | 'hidden';

/** One row of the access-policy table: an operation, tried as an admin, the owner and another member. */
export interface ActorPolicyCase {
  /** Unique: `operation` alone, or `operation: what varies`. */
  readonly name: string;
  readonly operation: ActorOperation;
  /** The call, as `actor`, on fresh `targets`. */
  call(actor: ActorGoosuke, targets: PolicyTargets): Promise<unknown>;
  readonly expected: Readonly<Record<PolicyRole, PolicyOutcome>>;
  /**
   * When allowed, the call fails for a reason that is not a refusal (the table's Goosuke has no
   * code host, the thing is in the wrong state...): the test then checks only that the failure
   * is neither ForbiddenError nor NotFoundError nor UnauthorizedError.
   */
  readonly allowedRejects?: boolean;
  /** For lists: whether `result` holds the owner's thing (`allowed` expects it does, `hidden` that it does not). */
  holdsOwners?(result: unknown, targets: PolicyTargets): boolean;
}

const everyone = { admin: 'allowed', owner: 'allowed', other: 'allowed' } as const;
const adminsOnly = { admin: 'allowed', owner: 'forbidden', other: 'forbidden' } as const;
const ownerAndAdmins = { admin: 'allowed', owner: 'allowed', other: 'not-found' } as const;
const ownListing = { admin: 'allowed', owner: 'allowed', other: 'hidden' } as const;
const ownerOrAdminElseForbidden = { admin: 'allowed', owner: 'allowed', other: 'forbidden' } as const;

function itemsHold(result: unknown, id: string): boolean {
  const items = (result as { items?: Array<{ id: string }> }).items ?? (result as Array<{ id: string }>);
  return items.some((item) => item.id === id);
}

const stopped = (): AbortSignal => AbortSignal.abort(new Error('the policy test stops waiting'));

/**
 * Every operation of the actor-scoped facade (`actorOperations`), with what an admin, the owner
 * of the targets and another member get. Run by core's policy test against core directly and by
 * the HTTP adapter's test through its routes, so that the two cannot disagree.
 */
export const actorPolicyCases: readonly ActorPolicyCase[] = [
  { name: 'account.get', operation: 'account.get', call: (a) => a.account.get(), expected: everyone },
  {
    name: 'account.changePassword',
    operation: 'account.changePassword',
    call: (a, t) => a.account.changePassword({ currentPassword: t.password, newPassword: t.password }),
    expected: everyone,
  },
  {
    name: 'account.createStreamTicket',
    operation: 'account.createStreamTicket',
    call: (a) => a.account.createStreamTicket(),
    expected: everyone,
  },
  {
    name: 'account.signOut',
    operation: 'account.signOut',
    call: async (a, t) => a.account.signOut(t.refreshTokens[(await a.account.get()).id]!),
    expected: everyone,
  },
  {
    name: 'account.signOutEverywhere',
    operation: 'account.signOutEverywhere',
    call: (a) => a.account.signOutEverywhere(),
    expected: everyone,
  },
  {
    name: 'tokens.create',
    operation: 'tokens.create',
    // The password given again: the policy's sessions need not have signed in minutes ago.
    call: (a, t) => a.tokens.create({ name: 'policy', currentPassword: t.password }),
    expected: everyone,
  },
  { name: 'tokens.list', operation: 'tokens.list', call: (a) => a.tokens.list(), expected: everyone },
  {
    name: "tokens.list: the owner's",
    operation: 'tokens.list',
    call: (a, t) => a.tokens.list({ userId: t.ownerId }),
    expected: ownerOrAdminElseForbidden,
  },
  {
    name: 'tokens.revoke',
    operation: 'tokens.revoke',
    call: (a, t) => a.tokens.revoke(t.tokenId),
    expected: ownerAndAdmins,
  },
  { name: 'users.list', operation: 'users.list', call: (a) => a.users.list(), expected: adminsOnly },
  {
    name: 'users.create',
    operation: 'users.create',
    call: (a, t) => a.users.create({ username: t.freshName, password: t.password, role: 'member' }),
    expected: adminsOnly,
  },
  {
    name: 'users.get',
    operation: 'users.get',
    call: (a, t) => a.users.get(t.ownerId),
    expected: ownerAndAdmins,
  },
  {
    name: 'users.update',
    operation: 'users.update',
    call: (a, t) => a.users.update(t.spareUserId, { role: 'member' }),
    expected: adminsOnly,
  },
  {
    name: 'users.resetPassword',
    operation: 'users.resetPassword',
    call: (a, t) => a.users.resetPassword(t.spareUserId, { newPassword: `${t.password} again` }),
    expected: adminsOnly,
  },
  {
    name: 'users.signOut',
    operation: 'users.signOut',
    call: (a, t) => a.users.signOut(t.spareUserId),
    expected: adminsOnly,
  },
  { name: 'models.list', operation: 'models.list', call: (a) => a.models.list(), expected: everyone },
  {
    name: 'models.get',
    operation: 'models.get',
    call: (a, t) => a.models.get(t.modelId),
    expected: everyone,
  },
  {
    name: 'models.create',
    operation: 'models.create',
    call: (a) => a.models.create({ provider: 'openai', modelName: 'gpt-4.1-mini' }),
    expected: adminsOnly,
  },
  {
    name: 'models.update',
    operation: 'models.update',
    call: (a, t) => a.models.update(t.modelId, { displayName: 'renamed' }),
    expected: adminsOnly,
  },
  {
    name: 'models.test',
    operation: 'models.test',
    call: (a, t) => a.models.test(t.modelId),
    expected: adminsOnly,
  },
  {
    name: 'models.delete',
    operation: 'models.delete',
    call: (a, t) => a.models.delete(t.modelId),
    expected: adminsOnly,
  },
  { name: 'repos.list', operation: 'repos.list', call: (a) => a.repos.list(), expected: everyone },
  { name: 'repos.get', operation: 'repos.get', call: (a, t) => a.repos.get(t.repoId), expected: everyone },
  {
    name: 'repos.create',
    operation: 'repos.create',
    call: (a, t) => a.repos.create({ url: `https://example.test/policy/${t.freshName}.git` }),
    expected: adminsOnly,
  },
  {
    name: 'repos.update',
    operation: 'repos.update',
    call: (a, t) => a.repos.update(t.repoId, { defaultBranch: 'trunk' }),
    expected: adminsOnly,
  },
  {
    name: 'repos.delete',
    operation: 'repos.delete',
    call: async (a, t) => {
      const created = await a.repos.create({ url: `https://example.test/policy/${t.freshName}-gone.git` });
      return a.repos.delete(created.id);
    },
    expected: adminsOnly,
  },
  {
    name: 'tasks.list',
    operation: 'tasks.list',
    // On the fresh repository, whose one task is the owner's.
    call: (a, t) => a.tasks.list({ repoId: t.repoId }),
    expected: ownListing,
    holdsOwners: (result, t) => itemsHold(result, t.taskId),
  },
  {
    name: "tasks.list: the owner's by author",
    operation: 'tasks.list',
    call: (a, t) => a.tasks.list({ createdBy: t.ownerId }),
    expected: ownerOrAdminElseForbidden,
  },
  {
    name: 'tasks.create',
    operation: 'tasks.create',
    call: (a) => a.tasks.create({ title: 'a task of my own' }),
    expected: everyone,
  },
  {
    name: 'tasks.get',
    operation: 'tasks.get',
    call: (a, t) => a.tasks.get(t.taskId),
    expected: ownerAndAdmins,
  },
  {
    name: 'tasks.getDetail',
    operation: 'tasks.getDetail',
    call: (a, t) => a.tasks.getDetail(t.taskId),
    expected: ownerAndAdmins,
  },
  {
    name: 'tasks.rename',
    operation: 'tasks.rename',
    call: (a, t) => a.tasks.rename(t.taskId, 'renamed'),
    expected: ownerAndAdmins,
  },
  {
    name: 'tasks.setArchived',
    operation: 'tasks.setArchived',
    call: (a, t) => a.tasks.setArchived(t.taskId, true),
    expected: ownerAndAdmins,
  },
  {
    name: 'tasks.delete',
    operation: 'tasks.delete',
    call: (a, t) => a.tasks.delete(t.taskId),
    expected: ownerAndAdmins,
  },
  {
    name: 'tasks.addMessage',
    operation: 'tasks.addMessage',
    call: (a, t) => a.tasks.addMessage(t.taskId, { content: 'one more thing' }),
    expected: ownerAndAdmins,
  },
  {
    name: 'tasks.listMessages',
    operation: 'tasks.listMessages',
    call: (a, t) => a.tasks.listMessages(t.taskId),
    expected: ownerAndAdmins,
  },
  {
    name: 'tasks.choose',
    operation: 'tasks.choose',
    call: (a, t) => a.tasks.choose(t.taskId, t.succeededRunId),
    expected: ownerAndAdmins,
  },
  {
    name: 'runs.create',
    operation: 'runs.create',
    call: (a, t) => a.runs.create(t.taskId, { instruction: 'and again', models: [t.modelId] }),
    expected: ownerAndAdmins,
  },
  { name: 'runs.get', operation: 'runs.get', call: (a, t) => a.runs.get(t.runId), expected: ownerAndAdmins },
  {
    name: "runs.list: a task's",
    operation: 'runs.list',
    call: (a, t) => a.runs.list({ taskId: t.taskId }),
    expected: ownerAndAdmins,
  },
  {
    name: "runs.list: a message's",
    operation: 'runs.list',
    call: (a, t) => a.runs.list({ messageId: t.messageId }),
    expected: ownerAndAdmins,
  },
  {
    name: 'runs.list: across tasks',
    operation: 'runs.list',
    call: (a) => a.runs.list(),
    expected: adminsOnly,
  },
  {
    name: 'runs.events',
    operation: 'runs.events',
    call: (a, t) => a.runs.events(t.runId),
    expected: ownerAndAdmins,
  },
  {
    name: 'runs.cancel',
    operation: 'runs.cancel',
    call: (a, t) => a.runs.cancel(t.runId),
    expected: ownerAndAdmins,
  },
  {
    name: 'runs.compare',
    operation: 'runs.compare',
    call: (a, t) => a.runs.compare(t.messageId),
    expected: ownerAndAdmins,
  },
  {
    name: 'runs.taskUsage',
    operation: 'runs.taskUsage',
    call: (a, t) => a.runs.taskUsage(t.taskId),
    expected: ownerAndAdmins,
  },
  {
    name: 'runs.waitFor',
    operation: 'runs.waitFor',
    // No worker runs here: the wait is stopped at once, after the policy let it start.
    call: (a, t) => a.runs.waitFor([t.runId], { signal: stopped() }),
    expected: ownerAndAdmins,
    allowedRejects: true,
  },
  {
    name: 'pullRequests.create',
    operation: 'pullRequests.create',
    call: (a, t) => a.pullRequests.create(t.taskId, { runId: t.runId }),
    expected: ownerAndAdmins,
    allowedRejects: true,
  },
  {
    name: 'pullRequests.update',
    operation: 'pullRequests.update',
    call: (a, t) => a.pullRequests.update(t.taskId, { runId: t.runId }, t.pullRequestId),
    expected: ownerAndAdmins,
    allowedRejects: true,
  },
  {
    name: 'pullRequests.get',
    operation: 'pullRequests.get',
    call: (a, t) => a.pullRequests.get(t.taskId, t.pullRequestId),
    expected: ownerAndAdmins,
  },
  {
    name: 'pullRequests.list',
    operation: 'pullRequests.list',
    call: (a, t) => a.pullRequests.list(t.taskId),
    expected: ownerAndAdmins,
  },
  {
    name: 'templates.list',
    operation: 'templates.list',
    call: (a) => a.templates.list(),
    expected: adminsOnly,
  },
  {
    name: 'templates.get',
    operation: 'templates.get',
    call: (a, t) => a.templates.get(t.templateId),
    expected: adminsOnly,
  },
  {
    name: 'templates.create',
    operation: 'templates.create',
    call: (a, t) => a.templates.create({ name: t.freshName, prompt: 'Say hi' }),
    expected: adminsOnly,
  },
  {
    name: 'templates.update',
    operation: 'templates.update',
    call: (a, t) => a.templates.update(t.templateId, { description: 'changed' }),
    expected: adminsOnly,
  },
  {
    name: 'templates.delete',
    operation: 'templates.delete',
    call: (a, t) => a.templates.delete(t.spareTemplateId),
    expected: adminsOnly,
  },
  { name: 'actions.list', operation: 'actions.list', call: (a) => a.actions.list(), expected: adminsOnly },
  {
    name: 'actions.get',
    operation: 'actions.get',
    call: (a, t) => a.actions.get(t.actionId),
    expected: adminsOnly,
  },
  {
    name: 'actions.create',
    operation: 'actions.create',
    call: (a, t) => a.actions.create({ name: t.freshName, template: t.templateId, trigger: 'manual' }),
    expected: adminsOnly,
  },
  {
    name: 'actions.update',
    operation: 'actions.update',
    call: (a, t) => a.actions.update(t.actionId, { enabled: true }),
    expected: adminsOnly,
  },
  {
    name: 'actions.delete',
    operation: 'actions.delete',
    call: (a, t) => a.actions.delete(t.actionId),
    expected: adminsOnly,
  },
  {
    name: 'actions.rotateWebhookSecret',
    operation: 'actions.rotateWebhookSecret',
    call: (a, t) => a.actions.rotateWebhookSecret(t.webhookActionId),
    expected: adminsOnly,
  },
  {
    name: 'actions.trigger: a manual action',
    operation: 'actions.trigger',
    call: (a, t) => a.actions.trigger(t.actionId, { parameters: { word: 'hi' }, models: [t.modelId] }),
    expected: everyone,
  },
  {
    name: 'actions.trigger: a webhook action by hand',
    operation: 'actions.trigger',
    call: (a, t) => a.actions.trigger(t.webhookActionId, { parameters: { word: 'hi' }, models: [t.modelId] }),
    expected: adminsOnly,
  },
  { name: 'agents.list', operation: 'agents.list', call: (a) => a.agents.list(), expected: everyone },
  {
    name: 'agents.get',
    operation: 'agents.get',
    call: (a) => a.agents.get('claude-code'),
    expected: everyone,
  },
  {
    name: 'agents.create',
    operation: 'agents.create',
    call: (a, t) =>
      a.agents.create({
        name: `policy-${t.settingKey.replace(/[^a-z0-9]/g, '')}`,
        command: '/bin/true',
        wire: 'anthropic',
      }),
    expected: adminsOnly,
  },
  {
    name: 'agents.delete',
    operation: 'agents.delete',
    call: (a, t) => a.agents.delete(t.agentName),
    expected: adminsOnly,
  },
  {
    name: 'extensions.list',
    operation: 'extensions.list',
    call: (a) => a.extensions.list(),
    expected: everyone,
  },
  {
    name: 'extensions.get',
    operation: 'extensions.get',
    call: (a, t) => a.extensions.get(t.extensionId),
    expected: everyone,
  },
  {
    name: 'extensions.resolve',
    operation: 'extensions.resolve',
    call: (a, t) => a.extensions.resolve(t.extensionId),
    expected: everyone,
  },
  {
    name: 'extensions.create',
    operation: 'extensions.create',
    call: (a, t) =>
      a.extensions.create({
        name: `${t.freshName}-mcp`,
        type: 'streamable_http',
        uri: 'https://mcp.example.test/mcp',
      }),
    expected: adminsOnly,
  },
  {
    name: 'extensions.update',
    operation: 'extensions.update',
    call: (a, t) => a.extensions.update(t.extensionId, { description: 'changed' }),
    expected: adminsOnly,
  },
  {
    name: 'extensions.delete',
    operation: 'extensions.delete',
    call: (a, t) => a.extensions.delete(t.extensionId),
    expected: adminsOnly,
  },
  {
    name: 'extensions.importFromGoose',
    operation: 'extensions.importFromGoose',
    call: (a, t) =>
      a.extensions.importFromGoose({
        extensions: {
          [`${t.freshName}-goose`]: {
            enabled: true,
            type: 'stdio',
            name: `${t.freshName}-goose`,
            cmd: '/bin/true',
            args: [],
          },
        },
      }),
    expected: adminsOnly,
  },
  {
    name: 'extensions.exportToGoose',
    operation: 'extensions.exportToGoose',
    call: (a) => a.extensions.exportToGoose({ extensions: {} }),
    expected: adminsOnly,
  },
  { name: 'settings.list', operation: 'settings.list', call: (a) => a.settings.list(), expected: adminsOnly },
  {
    name: 'settings.get',
    operation: 'settings.get',
    call: (a, t) => a.settings.get(t.settingKey),
    expected: adminsOnly,
  },
  {
    name: 'settings.set',
    operation: 'settings.set',
    call: (a, t) => a.settings.set(t.settingKey, { value: 'off' }),
    expected: adminsOnly,
  },
  {
    name: 'settings.delete',
    operation: 'settings.delete',
    call: (a, t) => a.settings.delete(t.settingKey),
    expected: adminsOnly,
  },
  {
    name: 'github.getConfig',
    operation: 'github.getConfig',
    call: (a) => a.github.getConfig(),
    expected: adminsOnly,
  },
  {
    name: 'github.setConfig',
    operation: 'github.setConfig',
    call: (a) => a.github.setConfig({ apiUrl: 'https://github.example.test/api/v3' }),
    expected: adminsOnly,
  },
  {
    name: 'github.listRepositories',
    operation: 'github.listRepositories',
    // The table's Goosuke has no code host: an allowed call fails as unsupported.
    call: (a) => a.github.listRepositories(),
    expected: adminsOnly,
    allowedRejects: true,
  },
  {
    name: 'github.listBranches',
    operation: 'github.listBranches',
    call: (a) => a.github.listBranches('octo', 'shop'),
    expected: everyone,
    allowedRejects: true,
  },
  {
    name: 'discord.getGuildConfig',
    operation: 'discord.getGuildConfig',
    call: (a, t) => a.discord.getGuildConfig(t.guildId),
    expected: adminsOnly,
  },
  {
    name: 'discord.setGuildConfig',
    operation: 'discord.setGuildConfig',
    call: (a, t) => a.discord.setGuildConfig(t.guildId, { language: 'ja' }),
    expected: adminsOnly,
  },
  {
    name: 'discord.listGuildConfigs',
    operation: 'discord.listGuildConfigs',
    call: (a) => a.discord.listGuildConfigs(),
    expected: adminsOnly,
  },
];
