import { type ActingUser, type ActorOperation, assertActive, authorize } from '../auth/access-policy.ts';
import type { Principal, User } from '../domain/index.ts';
import { type Clock, systemClock } from '../ports/clock.ts';
import type { Store } from '../ports/store.ts';
import { createReadCache } from '../services/read-cache.ts';

/**
 * Who `goosuke.as(actor)` acts for: a {@link User} as `goosuke.users.create`/`get` return it
 * (trusted server-side code acting for that user), or a {@link Principal} as authentication
 * returns it (what the adapters hold: the user and how they authenticated). Either way the
 * user's role and disabled flag are read again from the store at every call.
 */
export type Actor = User | Principal;

/** How many users the actor lookups keep for reuse (see createReadCache). */
const userCacheSize = 1_024;

/** Whether `actor` is a Principal (authentication's view) rather than a stored User. */
function isPrincipal(actor: Actor): actor is Principal {
  return typeof (actor as Principal).userId === 'string' && typeof (actor as Principal).via === 'string';
}

/**
 * Runs operations as an actor: each call reads the actor's user again (reused while the store's
 * change token holds), refuses a deleted or disabled user, applies the operation's role rule,
 * then hands the acting user to the work.
 */
export interface ActorRunner {
  /** Resolves the actor, checks `operation`'s role rule, then runs `work` as them. */
  run<T>(operation: ActorOperation, work: (acting: ActingUser) => Promise<T>): Promise<T>;
  /** The Goosuke's clock, in milliseconds: what time-bound rules (a recent sign-in) are judged by. */
  now(): number;
}

/**
 * How long the user authentication read for a principal stands for that principal's first call:
 * an adapter authenticates a request and makes its call at once (well under a millisecond), and
 * reading the user again in the same request would only cost time.
 */
export const freshAuthenticationMs = 10;

/**
 * Principals authentication just returned, with the user it read: each stands for the first call
 * made as that principal within {@link freshAuthenticationMs}, then is forgotten. A later call,
 * or a first call after that, reads the user again.
 */
export interface RecentAuthentications {
  remember(principal: Principal, user: User): void;
  /** The user read for `principal`, if it was authenticated moments ago; forgets it. */
  take(principal: Principal): User | undefined;
}

/** {@link RecentAuthentications} on `now` (milliseconds), held weakly by principal. */
export function createRecentAuthentications(now: () => number): RecentAuthentications {
  const recent = new WeakMap<Principal, { user: User; at: number }>();
  return {
    remember(principal, user) {
      recent.set(principal, { user, at: now() });
    },
    take(principal) {
      const entry = recent.get(principal);
      if (entry === undefined) return undefined;
      recent.delete(principal);
      const age = now() - entry.at;
      return age >= 0 && age <= freshAuthenticationMs ? entry.user : undefined;
    },
  };
}

/**
 * Resolves actors against `store`; one per Goosuke, shared by every `as()` facade it makes. A
 * principal `recent` holds (authentication read its user a moment ago) is not read again for its
 * first call; every other call reads the user, reused while the store's change token holds.
 */
export function createActorResolver(
  store: Store,
  recent?: RecentAuthentications,
  clock: Clock = systemClock,
): (actor: Actor) => ActorRunner {
  const users = createReadCache<User>(userCacheSize);

  async function activeUser(userId: string): Promise<User> {
    const token = await store.changeToken();
    let user = users.get(userId, token) ?? null;
    if (user === null) {
      user = await store.users.get(userId);
      if (user !== null) users.set(userId, token, user);
    }
    assertActive(user, userId);
    return user;
  }

  return (actor) => {
    const userId = isPrincipal(actor) ? actor.userId : actor.id;
    const via = isPrincipal(actor) ? actor.via : 'trusted';
    const authenticatedAt = isPrincipal(actor) ? (actor.authenticatedAt ?? null) : null;
    const sessionId = isPrincipal(actor) ? (actor.sessionId ?? null) : null;
    return {
      async run(operation, work) {
        const fresh = isPrincipal(actor) ? recent?.take(actor) : undefined;
        const user = fresh !== undefined && fresh.id === userId ? fresh : await activeUser(userId);
        const acting: ActingUser = { user, via, authenticatedAt, sessionId };
        authorize(acting, operation);
        return work(acting);
      },
      now: () => clock.now(),
    };
  };
}
