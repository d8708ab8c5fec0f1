import { beforeAll, describe, expect, it } from 'vitest';
import { actorOperations } from '../auth/access-policy.ts';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import { GoosukeError, UnsupportedError } from '../errors/index.ts';
import type { GitBackend } from '../ports/git-backend.ts';
import type { Store } from '../ports/store.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import {
  actorPolicyCases,
  createFakePasswordHasher,
  createFixedClock,
  createMemoryJobQueue,
  createMemoryStore,
  createPolicyTargets,
  createPolicyUsers,
  type PolicyRole,
  type PolicyUsers,
  sessionOf,
} from '../testing/index.ts';
import { freshAuthenticationMs } from './actor.ts';
import { type ActorGoosuke, actorAreaNames } from './actor-goosuke.ts';

// Runs are created but never executed here: a git backend is required by the runtime's type only.
const unusedGit = new Proxy({} as GitBackend, {
  get: () => () => Promise.reject(new UnsupportedError('no git in the policy test')),
});

const roles: readonly PolicyRole[] = ['admin', 'owner', 'other'];

/** Every `area.method` the actor-scoped facade offers. */
function facadeOperations(facade: ActorGoosuke): string[] {
  const names: string[] = [];
  for (const area of actorAreaNames) {
    for (const [method, value] of Object.entries(facade[area] as object)) {
      if (typeof value === 'function') names.push(`${area}.${method}`);
    }
  }
  return names.sort();
}

/** A Goosuke on the in-memory store with sign-in and a job queue (no worker), and the policy's users. */
async function policyGoosuke(): Promise<{ store: Store; goosuke: Goosuke; users: PolicyUsers }> {
  const store = createMemoryStore();
  const goosuke = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: 'policy-test-secret-box-key-0123456789' }),
    passwordHasher: createFakePasswordHasher(),
    jwtSecret: 'policy-test-jwt-secret-0123456789-abcdefgh',
    // No worker runs: every case's runs stay queued, and the owner's would reach the per-user limit.
    limits: { maxActiveRunsPerUser: 100_000 },
    runtime: {
      queue: createMemoryJobQueue(),
      git: unusedGit,
      languageModels: () => {
        throw new UnsupportedError('no models in the policy test');
      },
      layout: { cloneDir: () => '/nowhere', workingCopyDir: () => '/nowhere' },
    },
  });
  return { store, goosuke, users: await createPolicyUsers(goosuke, 'correct horse battery staple') };
}

describe('the access policy (role × operation × owner)', () => {
  let store: Store;
  let goosuke: Goosuke;
  let users: PolicyUsers;

  beforeAll(async () => {
    ({ store, goosuke, users } = await policyGoosuke());
  });

  it('enumerates as an object of areas, and is frozen', () => {
    const facade = goosuke.as(sessionOf(users.admin));
    const enumerated: string[] = [];
    for (const area in facade) enumerated.push(area);
    expect(enumerated).toEqual([...actorAreaNames]);
    expect(Object.isFrozen(facade)).toBe(true);
    // An area is built once per facade: the same object on every access.
    expect(facade.tasks).toBe(facade.tasks);
  });

  it('has a case for every operation of the facade, and the policy names every one', () => {
    const offered = facadeOperations(goosuke.as(sessionOf(users.admin)));
    expect(offered).toEqual(Object.keys(actorOperations).sort());
    const covered = new Set(actorPolicyCases.map((entry) => entry.operation));
    expect(offered.filter((operation) => !covered.has(operation as never))).toEqual([]);
    expect(new Set(actorPolicyCases.map((entry) => entry.name)).size).toBe(actorPolicyCases.length);
  });

  describe.each(roles)('as %s', (role) => {
    it.each(actorPolicyCases.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
      const targets = await createPolicyTargets(goosuke, store, users);
      const actor = goosuke.as(sessionOf(users[role]));
      const expected = entry.expected[role];
      const settled = await entry.call(actor, targets).then(
        (value) => ({ ok: true as const, value }),
        (error: unknown) => ({ ok: false as const, error }),
      );
      const code = settled.ok ? null : GoosukeError.isInstance(settled.error) ? settled.error.code : 'other';
      const refusal = code === 'forbidden' || code === 'not_found' || code === 'unauthorized';
      switch (expected) {
        case 'forbidden':
        case 'not-found':
          expect(code, settled.ok ? 'it succeeded' : String(settled.error)).toBe(
            expected === 'forbidden' ? 'forbidden' : 'not_found',
          );
          break;
        case 'hidden':
          expect(settled.ok, settled.ok ? '' : String(settled.error)).toBe(true);
          expect(entry.holdsOwners?.(settled.ok ? settled.value : null, targets)).toBe(false);
          break;
        case 'allowed':
          if (entry.allowedRejects === true) {
            expect(refusal, settled.ok ? '' : String(settled.error)).toBe(false);
          } else {
            expect(settled.ok, settled.ok ? '' : String(settled.error)).toBe(true);
          }
          if (settled.ok && entry.holdsOwners !== undefined) {
            expect(entry.holdsOwners(settled.value, targets)).toBe(true);
          }
          break;
      }
    });
  });
});

describe('goosuke.as', () => {
  let goosuke: Goosuke;
  let users: PolicyUsers;

  beforeAll(async () => {
    ({ goosuke, users } = await policyGoosuke());
  });

  it('takes a stored User (trusted code) as well as a Principal, and makes it the author', async () => {
    const { task } = await goosuke.as(users.owner).tasks.create({ title: 'by trusted code' });
    expect(task.createdBy).toBe(users.owner.id);
    expect((await goosuke.as(sessionOf(users.owner)).tasks.get(task.id)).id).toBe(task.id);
    await expect(goosuke.as(users.other).tasks.get(task.id)).rejects.toMatchObject({ code: 'not_found' });
    // Trusted code holds no credential that a stream ticket could stand for.
    await expect(goosuke.as(users.owner).account.createStreamTicket()).rejects.toMatchObject({
      code: 'unsupported',
    });
  });

  it('refuses an author given as input: the author is always the actor', async () => {
    const actor = goosuke.as(users.owner);
    await expect(
      actor.tasks.create({ title: 'x', createdBy: users.other.id } as never),
    ).rejects.toMatchObject({ code: 'invalid_input' });
    await expect(actor.tasks.create({ title: 'x', actionId: 'action_x' } as never)).rejects.toMatchObject({
      code: 'invalid_input',
    });
  });

  it('reads the role at every call: a promotion or a demotion takes effect at once', async () => {
    const member = await goosuke.users.create({ username: 'promoted', password: users.password });
    // The principal still says member; the store is what counts.
    const actor = goosuke.as(sessionOf(member));
    await expect(actor.users.list()).rejects.toMatchObject({ code: 'forbidden' });
    await goosuke.users.setRole(member.id, 'admin');
    expect((await actor.users.list()).items.length).toBeGreaterThan(0);
    await goosuke.users.setRole(member.id, 'member');
    await expect(actor.users.list()).rejects.toMatchObject({ code: 'forbidden' });
  });

  it('refuses a disabled or deleted user at every call', async () => {
    const member = await goosuke.users.create({ username: 'leaving', password: users.password });
    const actor = goosuke.as(sessionOf(member));
    await actor.tasks.create({ title: 'while enabled' });
    await goosuke.users.setDisabled(member.id, true);
    await expect(actor.tasks.list()).rejects.toMatchObject({ code: 'forbidden' });
    await expect(goosuke.as(member).account.get()).rejects.toMatchObject({ code: 'forbidden' });
    await goosuke.users.setDisabled(member.id, false);
    expect((await actor.tasks.list()).items).toHaveLength(1);
    const ghost = { ...sessionOf(member), userId: 'user_never_existed' };
    await expect(goosuke.as(ghost).account.get()).rejects.toMatchObject({ code: 'forbidden' });
  });

  it("takes authentication's read of the user for the call made at once, then reads again", async () => {
    // A clock that stands still unless moved: "at once" must not depend on the machine's speed.
    const clock = createFixedClock('2026-06-01T00:00:00.000Z');
    const timed = createGoosuke({
      store: createMemoryStore(),
      secretBox: await createWebCryptoSecretBox({ secret: 'policy-test-secret-box-key-0123456789' }),
      passwordHasher: createFakePasswordHasher(),
      jwtSecret: 'policy-test-jwt-secret-0123456789-abcdefgh',
      clock,
    });
    const member = await timed.users.create({ username: 'at-once', password: users.password });
    const signIn = async () =>
      timed.auth.authenticate(
        (await timed.auth.login({ username: 'at-once', password: users.password })).accessToken,
      );
    const principal = await signIn();
    // Disabled right after authentication, before the request's call: the check at
    // authentication stands for that call (as if the request had come a moment earlier) ...
    await timed.users.setDisabled(member.id, true);
    expect((await timed.as(principal).account.get()).id).toBe(member.id);
    // ... and for that call only.
    await expect(timed.as(principal).account.get()).rejects.toMatchObject({ code: 'forbidden' });
    await timed.users.setDisabled(member.id, false);
    const later = await signIn();
    await timed.users.setDisabled(member.id, true);
    // A moment later, even the first call reads the user again.
    clock.advance(freshAuthenticationMs + 1);
    await expect(timed.as(later).account.get()).rejects.toMatchObject({ code: 'forbidden' });
  });

  it("signs out only the actor's own sessions", async () => {
    const member = await goosuke.users.create({ username: 'signing-out', password: users.password });
    const own = await goosuke.auth.login({ username: 'signing-out', password: users.password });
    const other = await goosuke.auth.login({ username: users.other.username, password: users.password });
    const actor = goosuke.as(sessionOf(member));
    await expect(actor.account.signOut(other.refreshToken)).rejects.toMatchObject({ code: 'unauthorized' });
    expect((await goosuke.auth.refresh(other.refreshToken)).user.id).toBe(users.other.id);
    await actor.account.signOut(own.refreshToken);
    await expect(goosuke.auth.refresh(own.refreshToken)).rejects.toMatchObject({ code: 'unauthorized' });
  });
});
