// Core's access-policy table (role × operation × owner), through HTTP: every route that names an
// actor-scoped operation is tried with that operation's cases, as an admin, the owner of the
// targets and another member, and must answer as core does (allowed: its success status; forbidden:
// 403; not-found: 404; hidden: success without the owner's item).
import {
  type ActorPolicyCase,
  actorPolicyCases,
  createPolicyTargets,
  createPolicyUsers,
  type PolicyRole,
  type PolicyTargets,
  type PolicyUsers,
} from '@goosuke/core/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix, type HttpRoute, httpRoutes } from '../src/index.ts';
import { call, type Harness, isProblem, password, startHarness, streamFetch } from './harness.ts';

/** How a case's call is said to its route: path parameters, query and body. */
interface RouteRequest {
  params?: Record<string, string>;
  query?: Record<string, string>;
  body?: unknown;
}

// The request of each case that has a route. A case with a route but no entry fails below.
const requests: Record<string, (targets: PolicyTargets, userId: string) => RouteRequest> = {
  'account.get': () => ({}),
  'account.changePassword': (t) => ({ body: { currentPassword: t.password, newPassword: t.password } }),
  'account.createStreamTicket': () => ({}),
  'account.signOut': (t, userId) => ({ body: { refreshToken: t.refreshTokens[userId] } }),
  'account.signOutEverywhere': () => ({}),
  'tokens.create': () => ({ body: { name: 'policy' } }),
  'tokens.list': () => ({}),
  "tokens.list: the owner's": (t) => ({ query: { userId: t.ownerId } }),
  'tokens.revoke': (t) => ({ params: { id: t.tokenId } }),
  'users.list': () => ({}),
  'users.create': (t) => ({ body: { username: t.freshName, password: t.password, role: 'member' } }),
  'users.update': (t) => ({ params: { id: t.spareUserId }, body: { role: 'member' } }),
  'users.signOut': (t) => ({ params: { id: t.spareUserId } }),
  'models.list': () => ({}),
  'models.get': (t) => ({ params: { id: t.modelId } }),
  'models.create': () => ({ body: { provider: 'openai', modelName: 'gpt-4.1-mini' } }),
  'models.update': (t) => ({ params: { id: t.modelId }, body: { displayName: 'renamed' } }),
  // A profile whose calls fail at once on loopback: the policy's own profile would call OpenAI.
  'models.test': () => ({ params: { id: unreachableModelId } }),
  'models.delete': (t) => ({ params: { id: t.modelId } }),
  'repos.list': () => ({}),
  'repos.get': (t) => ({ params: { id: t.repoId } }),
  'repos.create': (t) => ({ body: { url: `https://example.test/policy/${t.freshName}.git` } }),
  'tasks.list': (t) => ({ query: { repoId: t.repoId } }),
  'tasks.create': () => ({ body: { title: 'a task of my own' } }),
  'tasks.get': (t) => ({ params: { id: t.taskId } }),
  'tasks.getDetail': (t) => ({ params: { id: t.taskId } }),
  'tasks.setArchived': (t) => ({ params: { id: t.taskId } }),
  'tasks.addMessage': (t) => ({ params: { id: t.taskId }, body: { content: 'one more thing' } }),
  'tasks.choose': (t) => ({ params: { id: t.taskId }, body: { runId: t.succeededRunId } }),
  'runs.create': (t) => ({
    params: { id: t.taskId },
    body: { instruction: 'and again', models: [t.modelId] },
  }),
  'runs.get': (t) => ({ params: { id: t.runId } }),
  "runs.list: a task's": (t) => ({ params: { id: t.taskId } }),
  'runs.cancel': (t) => ({ params: { id: t.runId } }),
  'runs.compare': (t) => ({ params: { id: t.taskId }, query: { message: t.messageId } }),
  'pullRequests.create': (t) => ({ params: { id: t.taskId }, body: { runId: t.runId } }),
  'pullRequests.update': (t) => ({
    params: { id: t.taskId, prId: t.pullRequestId },
    body: { runId: t.runId },
  }),
  'pullRequests.get': (t) => ({ params: { id: t.taskId, prId: t.pullRequestId } }),
  'pullRequests.list': (t) => ({ params: { id: t.taskId } }),
  'templates.list': () => ({}),
  'templates.get': (t) => ({ params: { id: t.templateId } }),
  'templates.create': (t) => ({ body: { name: t.freshName, prompt: 'Say hi' } }),
  'templates.update': (t) => ({ params: { id: t.templateId }, body: { description: 'changed' } }),
  'templates.delete': (t) => ({ params: { id: t.spareTemplateId } }),
  'actions.list': () => ({}),
  'actions.get': (t) => ({ params: { id: t.actionId } }),
  'actions.create': (t) => ({ body: { name: t.freshName, template: t.templateId, trigger: 'manual' } }),
  'actions.update': (t) => ({ params: { id: t.actionId }, body: { enabled: true } }),
  'actions.delete': (t) => ({ params: { id: t.actionId } }),
  'actions.rotateWebhookSecret': (t) => ({ params: { id: t.webhookActionId } }),
  'actions.trigger: a manual action': (t) => ({
    params: { id: t.actionId },
    body: { parameters: { word: 'hi' }, models: [t.modelId] },
  }),
  'actions.trigger: a webhook action by hand': (t) => ({
    params: { id: t.webhookActionId },
    body: { parameters: { word: 'hi' }, models: [t.modelId] },
  }),
  'agents.list': () => ({}),
  'agents.get': () => ({ params: { name: 'claude-code' } }),
  'agents.create': (t) => ({
    body: {
      name: `policy-${t.settingKey.replace(/[^a-z0-9]/g, '')}`,
      command: '/bin/true',
      wire: 'anthropic',
    },
  }),
  'agents.delete': (t) => ({ params: { name: t.agentName } }),
  'extensions.list': () => ({}),
  'extensions.resolve': (t) => ({ params: { id: t.extensionId } }),
  'extensions.create': (t) => ({
    body: { name: `${t.freshName}-mcp`, type: 'streamable_http', uri: 'https://mcp.example.test/mcp' },
  }),
  'extensions.update': (t) => ({ params: { id: t.extensionId }, body: { description: 'changed' } }),
  'extensions.delete': (t) => ({ params: { id: t.extensionId } }),
  'extensions.importFromGoose': (t) => ({
    body: {
      config: `extensions:\n  ${t.freshName}-goose:\n    enabled: true\n    type: stdio\n    name: ${t.freshName}-goose\n    cmd: /bin/true\n    args: []\n`,
    },
  }),
  'extensions.exportToGoose': () => ({ body: { config: 'GOOSE_MODE: auto\n' } }),
  'settings.list': () => ({}),
  'settings.get': (t) => ({ params: { key: t.settingKey } }),
  'settings.set': (t) => ({ params: { key: t.settingKey }, body: { value: 'off' } }),
  'settings.delete': (t) => ({ params: { key: t.settingKey } }),
  'github.getConfig': () => ({}),
  'github.setConfig': () => ({ body: { apiUrl: 'https://github.example.test/api/v3' } }),
  'github.listRepositories': () => ({}),
  'github.listBranches': () => ({ params: { owner: 'octo', repo: 'shop' } }),
  'discord.getGuildConfig': (t) => ({ params: { guildId: t.guildId } }),
  'discord.setGuildConfig': (t) => ({ params: { guildId: t.guildId }, body: { language: 'ja' } }),
  'discord.listGuildConfigs': () => ({}),
};

const roles: readonly PolicyRole[] = ['admin', 'owner', 'other'];

/** Every (route, case) pair: the cases of the route's operation that say how to call it. */
const pairs: Array<{ route: HttpRoute; entry: ActorPolicyCase }> = httpRoutes.flatMap((route) =>
  actorPolicyCases
    .filter((entry) => entry.operation === route.operation && requests[entry.name] !== undefined)
    .map((entry) => ({ route, entry })),
);

function urlOf(route: HttpRoute, request: RouteRequest): string {
  const path = route.path.replace(/\{(\w+)\}/g, (_match, name: string) => {
    const value = request.params?.[name];
    if (value === undefined) throw new Error(`the request of ${route.operationId} has no ${name}`);
    return encodeURIComponent(value);
  });
  const query = new URLSearchParams(request.query ?? {}).toString();
  return `${apiPrefix}${path}${query === '' ? '' : `?${query}`}`;
}

let harness: Harness;
let users: PolicyUsers;
let unreachableModelId: string;

// A session of its own for each case: a case that changes the password or signs out ends the
// sessions of its user, and the next case must not inherit that.
async function signIn(role: PolicyRole): Promise<string> {
  return (await harness.goosuke.auth.login({ username: users[role].username, password })).accessToken;
}

beforeAll(async () => {
  harness = await startHarness();
  users = await createPolicyUsers(harness.goosuke, password);
  // Port 9 (discard) on loopback: nothing listens, so the one call is refused at once.
  unreachableModelId = (
    await harness.goosuke.models.create({
      provider: 'openai-compatible',
      modelName: 'policy-model',
      baseUrl: 'http://127.0.0.1:9/v1',
    })
  ).id;
});
afterAll(async () => {
  await harness?.close();
});

describe("core's access policy through HTTP", () => {
  it('covers every route that needs a signed-in caller', () => {
    const signedIn = httpRoutes.filter((route) => route.access !== 'public');
    expect(signedIn.every((route) => route.operation !== undefined)).toBe(true);
    const covered = new Set(pairs.map((pair) => pair.route.operationId));
    expect(
      signedIn.filter((route) => !covered.has(route.operationId)).map((route) => route.operationId),
    ).toEqual([]);
    const names = new Set(actorPolicyCases.map((entry) => entry.name));
    expect(Object.keys(requests).filter((name) => !names.has(name))).toEqual([]);
  });

  describe.each(roles)('as %s', (role) => {
    it.each(pairs.map((pair) => [`${pair.route.operationId} (${pair.entry.name})`, pair] as const))(
      '%s',
      async (_name, { route, entry }) => {
        const targets = await createPolicyTargets(harness.goosuke, harness.store, users);
        const token = await signIn(role);
        const request = requests[entry.name]!(targets, users[role].id);
        const url = urlOf(route, request);
        const expected = entry.expected[role];
        if (route.stream && expected === 'allowed') {
          // A stream stays open: its status and type are the answer.
          const controller = new AbortController();
          const response = await streamFetch(harness.url, url, {
            headers: { authorization: `Bearer ${token}` },
            signal: controller.signal,
          });
          expect(response.status).toBe(200);
          expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
          controller.abort();
          return;
        }
        const result = await call(harness.url, route.method, url, {
          token,
          ...(request.body === undefined ? {} : { body: request.body }),
        });
        const said = `${result.status} ${result.text.slice(0, 300)}`;
        switch (expected) {
          case 'forbidden':
            expect(isProblem(result, 403), said).toBe(true);
            break;
          case 'not-found':
            expect(isProblem(result, 404), said).toBe(true);
            // Nothing of the owner leaks into the answer.
            expect(result.text).not.toContain(users.owner.id);
            break;
          case 'hidden':
            expect(result.status, said).toBe(route.status);
            expect(entry.holdsOwners?.(result.json, targets)).toBe(false);
            break;
          case 'allowed':
            if (entry.allowedRejects === true) {
              expect([401, 403, 404], said).not.toContain(result.status);
            } else {
              expect(result.status, said).toBe(route.status);
              if (entry.holdsOwners !== undefined) expect(entry.holdsOwners(result.json, targets)).toBe(true);
            }
            break;
        }
      },
    );
  });
});
