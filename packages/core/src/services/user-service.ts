import { z } from 'zod';
import type { LoginThrottle } from '../auth/login-throttle.ts';
import { type User, type UserRole, userRoleSchema, userSchema } from '../domain/index.ts';
import { ConflictError, InvalidInputError, NotFoundError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import type { PasswordHasher } from '../ports/password-hasher.ts';
import { collectPages, type ListOptions, type Page, type Store } from '../ports/store.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';

/** The longest password accepted: far beyond any passphrase, short enough to hash cheaply. */
export const maximumPasswordLength = 1024;

/**
 * A new password: at least 12 characters, not one character repeated, at most 1024. Issues
 * never quote the password.
 */
export const passwordSchema = z
  .string()
  .min(12, 'use at least 12 characters')
  .max(maximumPasswordLength, `use at most ${maximumPasswordLength} characters`)
  .refine((password) => new Set(password).size > 1, 'a password cannot be one character repeated')
  .meta({ id: 'Password', description: 'At least 12 characters, not one character repeated' });

/** A sign-in name as people type it: trimmed and lower-cased, then checked as a username. */
export const usernameInputSchema = z.string().trim().toLowerCase().pipe(userSchema.shape.username);

/** Input of {@link UserService.create}. `password` is write-only: only its hash is stored. */
export const createUserInputSchema = z
  .object({
    username: usernameInputSchema,
    /** Defaults to the username. */
    displayName: userSchema.shape.displayName.optional(),
    password: passwordSchema,
    /** Defaults to `member`. */
    role: userRoleSchema.optional(),
  })
  .strict()
  .meta({ id: 'CreateUserInput' });
/** Input to create a user. */
export type CreateUserInput = z.input<typeof createUserInputSchema>;

/** Input of {@link UserService.changePassword}. */
export const changePasswordInputSchema = z
  .object({
    currentPassword: z.string().min(1).max(maximumPasswordLength),
    newPassword: passwordSchema,
  })
  .strict()
  .meta({ id: 'ChangePasswordInput' });
/** Input to change one's own password. */
export type ChangePasswordInput = z.input<typeof changePasswordInputSchema>;

/** Input of {@link UserService.resetPassword}. */
export const resetPasswordInputSchema = z
  .object({ newPassword: passwordSchema })
  .strict()
  .meta({ id: 'ResetPasswordInput' });
/** Input to set another user's password. */
export type ResetPasswordInput = z.input<typeof resetPasswordInputSchema>;

/** What {@link UserService.count} counts: every user, or those matching every field given. */
export interface UserCountFilter {
  role?: UserRole;
  disabled?: boolean;
}

/**
 * User accounts. There is no open registration: users are created by an admin (or, for the
 * first admin, by `goosuke users add`).
 *
 * Authorization is the caller's: these methods take no principal, so that the CLI can create
 * the first admin. Adapters call `assertAdmin(principal)` before `create`, `list`, `setRole`,
 * `setDisabled` and `resetPassword`, and let a user call `changePassword` and `get` for
 * themselves only.
 *
 * Safety rules enforced here: the last enabled admin cannot be demoted or disabled
 * (ConflictError), so that an instance is never left without one; disabling a user, any
 * password change and {@link UserService.signOutEverywhere} revoke every session of the user
 * (refresh tokens, and with them the access JWTs they issued: authentication accepts a JWT only
 * while its session is live) and every personal access token, so that re-enabling a user or
 * learning the old password revives nothing.
 */
export interface UserService {
  /** Creates a user. ConflictError when the username is taken; InvalidInputError for a weak password. */
  create(input: CreateUserInput): Promise<User>;
  /** NotFoundError when missing. */
  get(id: string): Promise<User>;
  list(options?: ListOptions): Promise<Page<User>>;
  /** How many users match `filter` (e.g. `{ role: 'admin', disabled: false }`: is there an admin?). */
  count(filter?: UserCountFilter): Promise<number>;
  /** NotFoundError when missing; ConflictError when it would demote the last enabled admin. */
  setRole(id: string, role: UserRole): Promise<User>;
  /**
   * Disables (revoking every refresh and access token of the user) or re-enables a user.
   * NotFoundError when missing; ConflictError when it would disable the last enabled admin.
   */
  setDisabled(id: string, disabled: boolean): Promise<User>;
  /**
   * Sets the role and/or the disabled flag in one transaction: both change or neither (the rules
   * of {@link UserService.setRole} and {@link UserService.setDisabled} apply).
   */
  update(id: string, changes: { role?: UserRole; disabled?: boolean }): Promise<User>;
  /**
   * Changes a user's own password after checking the current one (InvalidInputError naming
   * `currentPassword` when it is wrong; wrong ones count against the account's sign-in limit,
   * RateLimitedError past it). Signs the user out everywhere.
   */
  changePassword(id: string, input: ChangePasswordInput): Promise<void>;
  /** Sets a user's password without the current one (admins). Signs the user out everywhere. */
  resetPassword(id: string, input: ResetPasswordInput): Promise<void>;
  /**
   * Revokes every session (refresh-token family, and so its access JWTs) and every personal
   * access token of the user, in one transaction. NotFoundError when missing.
   */
  signOutEverywhere(id: string): Promise<void>;
}

/** What the user service is built from. */
export interface UserServiceContext extends ServiceContext {
  passwordHasher: PasswordHasher;
  /** Counts wrong current passwords against the account's sign-in limit; shared with auth. */
  loginThrottle?: LoginThrottle;
}

const pageLimit = 500;

async function countUsers(store: Store, filter: UserCountFilter = {}): Promise<number> {
  const users = await collectPages((cursor) => store.users.list({ cursor, limit: pageLimit }));
  return users.filter(
    (user) =>
      (filter.role === undefined || user.role === filter.role) &&
      (filter.disabled === undefined || user.disabled === filter.disabled),
  ).length;
}

/** Builds the user service on the given ports. */
export function createUserService(context: UserServiceContext): UserService {
  const { store, clock, ids, passwordHasher } = context;

  async function get(id: string): Promise<User> {
    const user = await store.users.get(id);
    if (!user) throw new NotFoundError('user', id);
    return user;
  }

  async function assertNotLastAdmin(tx: Store, user: User, change: string): Promise<void> {
    if (user.role !== 'admin' || user.disabled) return;
    if ((await countUsers(tx, { role: 'admin', disabled: false })) <= 1) {
      throw new ConflictError(
        `${user.username} is the last enabled admin and cannot be ${change}; make another user admin first`,
      );
    }
  }

  async function storePassword(id: string, password: string): Promise<void> {
    // Hash before the transaction: it is deliberately slow and a transaction should hold no slow work.
    const hash = await passwordHasher.hash(password);
    await store.transaction(async (tx) => {
      const user = await tx.users.get(id);
      if (!user) throw new NotFoundError('user', id);
      const now = isoNow(clock);
      await tx.users.setPasswordHash(id, hash);
      await tx.users.update(id, { updatedAt: now });
      await revokeEverything(tx, id, now);
    });
  }

  // Sessions end with their refresh family: authentication checks the family of every JWT.
  async function revokeEverything(tx: Store, id: string, now: string): Promise<void> {
    await tx.refreshTokens.revokeAllOfUser(id, now);
    await tx.accessTokens.revokeAllOfUser(id, now);
  }

  async function requireUser(tx: Store, id: string): Promise<User> {
    const user = await tx.users.get(id);
    if (!user) throw new NotFoundError('user', id);
    return user;
  }

  async function applyRole(tx: Store, user: User, role: UserRole): Promise<User> {
    if (user.role === role) return user;
    if (role !== 'admin') await assertNotLastAdmin(tx, user, 'demoted');
    return tx.users.update(user.id, { role, updatedAt: isoNow(clock) });
  }

  async function applyDisabled(tx: Store, user: User, disabled: boolean): Promise<User> {
    if (user.disabled === disabled) return user;
    const now = isoNow(clock);
    if (disabled) {
      await assertNotLastAdmin(tx, user, 'disabled');
      await revokeEverything(tx, user.id, now);
    }
    return tx.users.update(user.id, { disabled, updatedAt: now });
  }

  return {
    async create(raw) {
      const input = parseInput(createUserInputSchema, raw, 'user');
      const hash = await passwordHasher.hash(input.password);
      const now = isoNow(clock);
      const user: User = {
        id: ids.next('user'),
        username: input.username,
        displayName: input.displayName ?? input.username,
        role: input.role ?? 'member',
        disabled: false,
        createdAt: now,
        updatedAt: now,
      };
      return store.transaction(async (tx) => {
        const stored = await tx.users.insert(user);
        await tx.users.setPasswordHash(stored.id, hash);
        return stored;
      });
    },

    get,

    list(options) {
      return store.users.list(options);
    },

    count(filter) {
      return countUsers(store, filter);
    },

    async update(id, changes) {
      const role = changes.role === undefined ? undefined : parseInput(userRoleSchema, changes.role, 'role');
      const disabled =
        changes.disabled === undefined
          ? undefined
          : parseInput(z.boolean(), changes.disabled, 'disabled flag');
      // One transaction: a refused second change (the last admin) rolls the first back.
      return store.transaction(async (tx) => {
        let user = await requireUser(tx, id);
        if (role !== undefined) user = await applyRole(tx, user, role);
        if (disabled !== undefined) user = await applyDisabled(tx, user, disabled);
        return user;
      });
    },

    async setRole(id, rawRole) {
      const role = parseInput(userRoleSchema, rawRole, 'role');
      return store.transaction(async (tx) => applyRole(tx, await requireUser(tx, id), role));
    },

    async setDisabled(id, rawDisabled) {
      const disabled = parseInput(z.boolean(), rawDisabled, 'disabled flag');
      return store.transaction(async (tx) => applyDisabled(tx, await requireUser(tx, id), disabled));
    },

    async changePassword(id, raw) {
      const input = parseInput(changePasswordInputSchema, raw, 'password change');
      const user = await get(id);
      context.loginThrottle?.check(user.username);
      const current = await store.users.getPasswordHash(id);
      const matches = current !== null && (await passwordHasher.verify(input.currentPassword, current));
      if (!matches) {
        context.loginThrottle?.failed(user.username);
        throw new InvalidInputError('the current password is wrong', [
          { path: ['currentPassword'], message: 'wrong password' },
        ]);
      }
      await storePassword(id, input.newPassword);
    },

    async resetPassword(id, raw) {
      const input = parseInput(resetPasswordInputSchema, raw, 'password reset');
      await get(id);
      await storePassword(id, input.newPassword);
    },

    async signOutEverywhere(id) {
      await store.transaction(async (tx) => {
        await requireUser(tx, id);
        await revokeEverything(tx, id, isoNow(clock));
      });
    },
  };
}
