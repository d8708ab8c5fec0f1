import { assertMayCreateAccessToken, assertTokenVisible, canActOnUser } from '../auth/access-policy.ts';
import type { AccessToken, User, UserRole } from '../domain/index.ts';
import { ForbiddenError, NotFoundError, UnsupportedError } from '../errors/index.ts';
import type { ListOptions, Page } from '../ports/store.ts';
import type { CreateAccessTokenInput, CreatedAccessToken } from '../services/access-token-service.ts';
import type { StreamTicket } from '../services/auth-service.ts';
import type { ChangePasswordInput, CreateUserInput, ResetPasswordInput } from '../services/user-service.ts';
import type { ActorRunner } from './actor.ts';
import type { SystemServices } from './system-services.ts';

/** The actor's own account. */
export interface ActorAccount {
  /** The actor's user, as stored now. */
  get(): Promise<User>;
  /**
   * Changes the actor's password after checking the current one (InvalidInputError naming
   * `currentPassword` when it is wrong); every session of theirs signs in again.
   */
  changePassword(input: ChangePasswordInput): Promise<void>;
  /**
   * A ticket valid for 60 seconds that stands for the actor on one event stream, which may
   * reconnect with it (browsers cannot send headers there). UnsupportedError for trusted code acting with a
   * `User`: tickets stand for authenticated clients.
   */
  createStreamTicket(): Promise<StreamTicket>;
  /**
   * Signs out the session `refreshToken` belongs to (its whole refresh family). UnauthorizedError
   * for an unknown token or one of another user's sessions.
   */
  signOut(refreshToken: string): Promise<void>;
  /**
   * Signs out every session of the actor (every refresh-token family: browsers and API clients
   * alike). Their access JWTs stop working at once, since authentication accepts a JWT only while
   * its session is live; the actor's personal access tokens are not sessions and stay (revoke
   * them with `tokens.revoke`).
   */
  signOutEverywhere(): Promise<void>;
}

/** Personal access tokens, as the actor may see and manage them. */
export interface ActorTokens {
  /**
   * Creates a token for the actor; the token itself is in this result only. It needs a recent
   * sign-in: a session signed in with its password within the last 10 minutes, or
   * `currentPassword` given again (InvalidInputError naming it when wrong); ForbiddenError
   * otherwise, and when the actor authenticated with a personal access token (a leaked token
   * must not mint its own replacement).
   */
  create(input: CreateAccessTokenInput): Promise<CreatedAccessToken>;
  /**
   * The tokens of `userId` (default: the actor's own), revoked and expired ones included.
   * ForbiddenError when a member asks for another user's.
   */
  list(options?: ListOptions & { userId?: string }): Promise<Page<AccessToken>>;
  /**
   * Revokes a token (the actor's; an admin: anyone's) and returns its record. NotFoundError for
   * a token that does not exist or that the actor may not manage.
   */
  revoke(id: string): Promise<AccessToken>;
}

/** User accounts: admins manage them; a member sees only themselves. */
export interface ActorUsers {
  /** Every user (admins). */
  list(options?: ListOptions): Promise<Page<User>>;
  /** Creates a user (admins; there is no open registration). */
  create(input: CreateUserInput): Promise<User>;
  /** A user: the actor themselves, or anyone for an admin (NotFoundError otherwise). */
  get(id: string): Promise<User>;
  /** Changes a user's role and/or disabled flag (admins; the last enabled admin stays). */
  update(id: string, changes: { role?: UserRole; disabled?: boolean }): Promise<User>;
  /** Sets a user's password without the current one (admins). */
  resetPassword(id: string, input: ResetPasswordInput): Promise<void>;
  /**
   * Signs a user out everywhere (admins): every session (refresh tokens and the access tokens
   * they issued) and every personal access token of theirs stops working at once. NotFoundError
   * for a missing user.
   */
  signOut(id: string): Promise<void>;
}

/** The actor's own account. */
export function createActorAccount(system: SystemServices, runner: ActorRunner): ActorAccount {
  const run = runner.run.bind(runner);
  return {
    get: () => run('account.get', async ({ user }) => user),
    changePassword: (input) =>
      run('account.changePassword', ({ user }) => system.users.changePassword(user.id, input)),
    createStreamTicket: () =>
      run('account.createStreamTicket', ({ user, via, authenticatedAt, sessionId }) => {
        if (via === 'trusted') {
          throw new UnsupportedError(
            'stream tickets stand for authenticated clients: act as the Principal that authentication returned',
          );
        }
        return system.auth.createStreamTicket({
          userId: user.id,
          username: user.username,
          role: user.role,
          via,
          ...(authenticatedAt === null ? {} : { authenticatedAt }),
          ...(sessionId === null ? {} : { sessionId }),
        });
      }),
    signOut: (refreshToken) =>
      run('account.signOut', ({ user }) => system.auth.logout(refreshToken, { userId: user.id })),
    signOutEverywhere: () =>
      run('account.signOutEverywhere', ({ user }) => system.auth.signOutEverywhere(user.id)),
  };
}

/** Personal access tokens, as the actor may see and manage them. */
export function createActorTokens(system: SystemServices, runner: ActorRunner): ActorTokens {
  const run = runner.run.bind(runner);
  return {
    create: (input) =>
      run('tokens.create', async (acting) => {
        const { currentPassword, ...rest } = input;
        // A token can never confirm a password: refused before the password is even checked.
        if (acting.via === 'token')
          assertMayCreateAccessToken(acting, { now: runner.now(), passwordConfirmed: false });
        const passwordConfirmed = typeof currentPassword === 'string' && acting.via !== 'trusted';
        if (passwordConfirmed) await system.auth.confirmPassword(acting.user.id, currentPassword);
        assertMayCreateAccessToken(acting, { now: runner.now(), passwordConfirmed });
        return system.tokens.create(acting.user.id, rest);
      }),
    list: (options = {}) =>
      run('tokens.list', (acting) => {
        const { userId = acting.user.id, ...page } = options;
        if (!canActOnUser(acting, userId)) {
          throw new ForbiddenError("only an admin may list another user's access tokens");
        }
        return system.tokens.list({ ...page, userId });
      }),
    revoke: (id) =>
      run('tokens.revoke', async (acting) => {
        assertTokenVisible(acting, await system.tokens.get(id));
        return system.tokens.revoke(id);
      }),
  };
}

/** User accounts, as the actor may see and manage them. */
export function createActorUsers(system: SystemServices, runner: ActorRunner): ActorUsers {
  const run = runner.run.bind(runner);
  return {
    list: (options) => run('users.list', () => system.users.list(options)),
    create: (input) => run('users.create', () => system.users.create(input)),
    get: (id) =>
      run('users.get', async (acting) => {
        if (!canActOnUser(acting, id)) throw new NotFoundError('user', id);
        return acting.user.id === id ? acting.user : system.users.get(id);
      }),
    update: (id, changes) => run('users.update', () => system.users.update(id, changes)),
    resetPassword: (id, input) => run('users.resetPassword', () => system.users.resetPassword(id, input)),
    signOut: (id) => run('users.signOut', () => system.users.signOutEverywhere(id)),
  };
}
