import { type ActingUser, type ActorOperation, assertActive, authorize } from '../auth/access-policy.ts';
import type { Principal, User } from '../domain/index.ts';
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
}

/**
 * Principals authentication just returned, with the user it read: each stands for the first call
 * made as that principal in the same turn of the event loop (an adapter authenticates a request
 * and makes its call at once; reading the user twice in one request only costs time), then is
 * forgotten. A later call, or one after any pause, reads the user again.
 */
export interface RecentAuthentications {
  remember(principal: Principal, user: User): void;
  /** The user read for `principal`, if it was authenticated in this turn; forgets it. */
  take(principal: Principal): User | undefined;
}

/** {@link RecentAuthentications} held weakly by principal; a turn ends with the next timer task. */
export function createRecentAuthentications(): RecentAuthentications {
  const recent = new WeakMap<Principal, { user: User; turn: number }>();
  let turn = 0;
  let ending = false;
  return {
    remember(principal, user) {
      recent.set(principal, { user, turn });
      if (!ending) {
        ending = true;
        // One timer per burst: whatever was remembered before it runs belongs to an earlier turn.
        setTimeout(() => {
          turn++;
          ending = false;
        }, 0);
      }
    },
    take(principal) {
      const entry = recent.get(principal);
      if (entry === undefined) return undefined;
      recent.delete(principal);
      return entry.turn === turn ? entry.user : undefined;
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
    return {
      async run(operation, work) {
        const fresh = isPrincipal(actor) ? recent?.take(actor) : undefined;
        const user = fresh !== undefined && fresh.id === userId ? fresh : await activeUser(userId);
        const acting: ActingUser = { user, via, authenticatedAt };
        authorize(acting, operation);
        return work(acting);
      },
    };
  };
}
