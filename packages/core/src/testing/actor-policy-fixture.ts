import type { Goosuke } from '../create-goosuke.ts';
import type { Principal, User } from '../domain/index.ts';
import type { Store } from '../ports/store.ts';
import { buildPullRequest, buildRun } from './entity-builders.ts';

/** The three actors every policy case is tried as. */
export type PolicyRole = 'admin' | 'owner' | 'other';

/**
 * The users of a policy run: an admin, the member who owns the targets (`owner`) and another
 * member (`other`), each with the password `password`.
 */
export interface PolicyUsers {
  readonly password: string;
  readonly admin: User;
  readonly owner: User;
  readonly other: User;
}

/** What one policy case acts on: fresh records made for it through the system view. */
export interface PolicyTargets {
  /** The owner's id, and the password every policy user has. */
  readonly ownerId: string;
  readonly password: string;
  /** A member nobody acts as, for operations that change a user. */
  readonly spareUserId: string;
  /** A username not taken yet. */
  readonly freshName: string;
  /** The owner's task on `repoId`, its first message, a queued run of it and a pull request record. */
  readonly taskId: string;
  readonly messageId: string;
  readonly runId: string;
  /** A run of the task that succeeded with a commit (one a task may continue from). */
  readonly succeededRunId: string;
  readonly pullRequestId: string;
  /** One of the owner's personal access tokens. */
  readonly tokenId: string;
  readonly modelId: string;
  readonly repoId: string;
  /** A text template with one string parameter `word`, used by `actionId`. */
  readonly templateId: string;
  /** A template no action uses (deletable). */
  readonly spareTemplateId: string;
  /** A manual action on `templateId`, and a webhook action on it. */
  readonly actionId: string;
  readonly webhookActionId: string;
  /** A fresh refresh token of each policy user (a session to sign out), by user id. */
  readonly refreshTokens: Readonly<Record<string, string>>;
  /** A stored setting. */
  readonly settingKey: string;
  /** A custom agent's name. */
  readonly agentName: string;
  /** A stdio extension (`/bin/true`). */
  readonly extensionId: string;
  /** A Discord guild id. */
  readonly guildId: string;
}

let fixtureCount = 0;

/**
 * Creates the users of a policy run through `goosuke` (which needs a password hasher).
 * `password` must satisfy the password rules.
 */
export async function createPolicyUsers(goosuke: Goosuke, password: string): Promise<PolicyUsers> {
  const suffix = `${Date.now().toString(36)}${++fixtureCount}`;
  return {
    password,
    admin: await goosuke.users.create({ username: `policy-admin-${suffix}`, password, role: 'admin' }),
    owner: await goosuke.users.create({ username: `policy-owner-${suffix}`, password, role: 'member' }),
    other: await goosuke.users.create({ username: `policy-other-${suffix}`, password, role: 'member' }),
  };
}

/**
 * Makes fresh targets for one policy case through the system view of `goosuke` (a Goosuke that
 * can start runs and sign users in: it needs a job queue, a password hasher and a JWT secret; no
 * worker is started), plus a pull request record written
 * to `store` directly (opening a real one needs a code host).
 */
export async function createPolicyTargets(
  goosuke: Goosuke,
  store: Store,
  users: PolicyUsers,
): Promise<PolicyTargets> {
  const n = `${Date.now().toString(36)}-${++fixtureCount}`;
  const owner = users.owner.id;
  const model = await goosuke.models.create({
    provider: 'openai',
    modelName: 'gpt-4.1',
    apiKey: 'sk-policy-0123456789',
  });
  const repo = await goosuke.repos.create({ url: `https://example.test/policy/repo-${n}.git` });
  const { task } = await goosuke.tasks.create({
    title: 'the owner task',
    repoId: repo.id,
    createdBy: owner,
  });
  const { message, runs } = await goosuke.runs.create(task.id, {
    instruction: 'change it',
    models: [model.id],
    createdBy: owner,
  });
  const succeeded = await store.runs.insert(
    buildRun({
      taskId: task.id,
      messageId: message.id,
      executor: { kind: 'model', modelProfileId: model.id },
      status: 'succeeded',
      error: null,
    }),
  );
  const pullRequest = await store.pullRequests.insert(
    buildPullRequest({ taskId: task.id, repoId: repo.id, runId: runs[0]!.id, branch: `goosuke/policy-${n}` }),
  );
  const token = await goosuke.tokens.create(owner, { name: 'owner ci' });
  const spare = await goosuke.users.create({ username: `policy-spare-${n}`, password: users.password });
  const template = await goosuke.templates.create({
    name: `policy-template-${n}`,
    prompt: 'Say {{word}}',
    parameters: [{ name: 'word', type: 'string' }],
  });
  const spareTemplate = await goosuke.templates.create({ name: `policy-spare-${n}`, prompt: 'Say hello' });
  const action = await goosuke.actions.create({
    name: `policy-manual-${n}`,
    template: template.id,
    trigger: 'manual',
    ownerId: users.admin.id,
  });
  const webhook = await goosuke.actions.create({
    name: `policy-webhook-${n}`,
    template: template.id,
    trigger: 'webhook',
    ownerId: users.admin.id,
  });
  const refreshTokens: Record<string, string> = {};
  for (const user of [users.admin, users.owner, users.other]) {
    refreshTokens[user.id] = (
      await goosuke.auth.login({ username: user.username, password: users.password })
    ).refreshToken;
  }
  const settingKey = `policy.setting-${fixtureCount}`;
  await goosuke.settings.set(settingKey, { value: 'on' });
  const agentName = `policy-agent-${fixtureCount}`;
  await goosuke.agents.create({ name: agentName, command: '/bin/true', wire: 'openai-chat' });
  const extension = await goosuke.extensions.create({
    name: `policy-extension-${fixtureCount}`,
    type: 'stdio',
    command: '/bin/true',
  });
  return {
    extensionId: extension.id,
    ownerId: owner,
    password: users.password,
    spareUserId: spare.id,
    freshName: `policy-new-${n}`,
    taskId: task.id,
    messageId: message.id,
    runId: runs[0]!.id,
    succeededRunId: succeeded.id,
    pullRequestId: pullRequest.id,
    tokenId: token.record.id,
    modelId: model.id,
    repoId: repo.id,
    templateId: template.id,
    spareTemplateId: spareTemplate.id,
    actionId: action.action.id,
    webhookActionId: webhook.action.id,
    refreshTokens,
    settingKey,
    agentName,
    guildId: '200000000000000001',
  };
}

/** The principal an adapter would hold for `user` after a password sign-in. */
export function sessionOf(user: User): Principal {
  return { userId: user.id, username: user.username, role: user.role, via: 'jwt' };
}
