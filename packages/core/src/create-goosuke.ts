import { type Actor, createActorResolver, createRecentAuthentications } from './actor/actor.ts';
import { type ActorGoosuke, createActorGoosuke } from './actor/actor-goosuke.ts';
import { createBoundedPasswordHasher } from './auth/bounded-password-hasher.ts';
import { createHmacJwtCodec } from './auth/hmac-jwt-codec.ts';
import { createLoginThrottle } from './auth/login-throttle.ts';
import { UnsupportedError } from './errors/index.ts';
import { type Clock, systemClock } from './ports/clock.ts';
import type { CodeHostResolver } from './ports/code-host.ts';
import type { EventSink } from './ports/event-sink.ts';
import { type IdGenerator, randomIdGenerator } from './ports/id-generator.ts';
import { type Logger, noopLogger } from './ports/logger.ts';
import type { PasswordHasher } from './ports/password-hasher.ts';
import type { SecretBox } from './ports/secret-box.ts';
import type { Store } from './ports/store.ts';
import { codeHostGitAuth } from './runs/git-credentials.ts';
import type { RunRuntime, RunSettings } from './runs/run-runtime.ts';
import { createWorkerRuntime } from './runs/worker-runtime.ts';
import { type AccessTokenService, createAccessTokenService } from './services/access-token-service.ts';
import { createActionCallbacks } from './services/action-callbacks.ts';
import {
  type ActionScheduler,
  type ActionSchedulerOptions,
  startActionScheduler,
} from './services/action-scheduler.ts';
import { type ActionService, createActionService } from './services/action-service.ts';
import { type AgentService, createAgentService } from './services/agent-service.ts';
import { type AuthService, type AuthSettings, createAuthService } from './services/auth-service.ts';
import { createDiscordService, type DiscordService } from './services/discord-service.ts';
import { createExtensionService, type ExtensionService } from './services/extension-service.ts';
import { createGitHubService, type GitHubService } from './services/github-service.ts';
import { createModelProfileService, type ModelProfileService } from './services/model-profile-service.ts';
import { createPullRequestService, type PullRequestService } from './services/pull-request-service.ts';
import { createRepoService, type RepoService } from './services/repo-service.ts';
import { type RunLimits, resolveRunLimits } from './services/run-limits.ts';
import { createRunPipeline, type RunPipeline } from './services/run-pipeline.ts';
import { createRunService, type RunService } from './services/run-service.ts';
import { createSettingService, type SettingService } from './services/setting-service.ts';
import { createSystemService, type SystemService } from './services/system-service.ts';
import { createTaskService, type TaskService } from './services/task-service.ts';
import { createTemplateService, type TemplateService } from './services/template-service.ts';
import { createUserService, type UserService } from './services/user-service.ts';

/** The ports Goosuke is built from. Everything with effects arrives here. */
export interface GoosukeDependencies {
  store: Store;
  /** Encrypts provider keys and other secrets at rest. */
  secretBox: SecretBox;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Defaults to time-ordered random ids. */
  ids?: IdGenerator;
  /**
   * The job queue, git backend, model resolver and file layout that executing runs needs.
   * Without it Goosuke reads and manages data but cannot start or execute runs.
   */
  runtime?: RunRuntime;
  /** How runs execute (prices, retries, the agent); every field has a default. */
  runs?: RunSettings;
  /** Live views of run events besides `runs.subscribe` (SSE hubs, Discord message editors). */
  eventSinks?: readonly EventSink[];
  /**
   * Hashes user passwords (e.g. `createScryptPasswordHasher()` from `@goosuke/scrypt`).
   * Without it `users` and `auth` throw UnsupportedError when called.
   */
  passwordHasher?: PasswordHasher;
  /**
   * The secret access JWTs are signed with (`GOOSUKE_JWT_SECRET`): at least 32 characters, and
   * not the SecretBox key. Without it `auth` throws UnsupportedError when called.
   */
  jwtSecret?: string;
  /** Token lifetimes; every field has a default (access JWT 24 h, refresh token 30 days). */
  auth?: AuthSettings;
  /**
   * Finds the code host (GitHub) of a repository, for pull requests. Without it
   * `pullRequests` rejects with UnsupportedError saying what to configure.
   */
  codeHosts?: CodeHostResolver;
  /** How pull requests follow a base branch that moved: `merge` (default) or `rebase`. */
  pullRequests?: { baseUpdate?: 'merge' | 'rebase' };
  /** Sends actions' signed callbacks; defaults to the global `fetch`. */
  fetch?: typeof globalThis.fetch;
  /**
   * What one caller may ask for at once: instruction and message size (default 200 KiB), models
   * per message (default 8) and queued plus running runs per user (default 24). Every entry
   * (HTTP, actions, Discord, the CLI) is held to them.
   */
  limits?: Partial<RunLimits>;
  /**
   * Where Goosuke writes what an operator needs (failures nobody awaits); adapters and providers
   * built around this Goosuke default to it. Default: writes nothing.
   */
  logger?: Logger;
  /**
   * How deep JSON that Goosuke parses itself (webhook bodies) may nest; deeper is an
   * InvalidInputError before parsing. Default 64 (`defaultMaxJsonDepth`).
   */
  maxJsonDepth?: number;
}

/**
 * The facade every adapter (HTTP, Discord, CLI) calls. Used directly it is the trusted system
 * view: it acts for anyone and checks no permission (the CLI on its own data directory, the
 * scheduler, workers, composition). Code acting for a user calls {@link Goosuke.as}.
 */
export interface Goosuke {
  /**
   * Goosuke as `actor` may use it: a {@link Principal} from authentication (what adapters hold),
   * or a {@link User} (trusted code acting for that user). Every call checks the access policy
   * (see `actorOperations`) with the user's current role; a deleted or disabled user is refused.
   * Cheap: make one per request.
   */
  as(actor: Actor): ActorGoosuke;
  /** The limits in force (`GoosukeDependencies.limits` over the defaults); adapters size their own bounds from them. */
  readonly limits: Readonly<RunLimits>;
  /** The logger given to createGoosuke (a no-op one when none was): adapters log through it by default. */
  readonly logger: Logger;
  readonly models: ModelProfileService;
  readonly repos: RepoService;
  readonly tasks: TaskService;
  readonly runs: RunService;
  /**
   * The run pipeline, `goosuke run` in one call: repository, clone, base, runs, wait, pick and
   * pull request (needs `runtime`; pull requests need `codeHosts`).
   */
  readonly pipeline: RunPipeline;
  /** Pull requests from runs (needs `runtime` and `codeHosts`). */
  readonly pullRequests: PullRequestService;
  /** GitHub's stored configuration, its repositories and branches (listing needs `codeHosts`). */
  readonly github: GitHubService;
  /** Templates: prompts with typed parameters, including the built-in `summarize-conversation`. */
  readonly templates: TemplateService;
  /** Actions: triggers (HTTP, webhooks, Discord, schedules) bound to templates. */
  readonly actions: ActionService;
  /**
   * Discord: per-guild configuration and daily run counts, and Discord triggers (routing, policy,
   * daily cap, starting tasks) for the bot.
   */
  readonly discord: DiscordService;
  /**
   * Starts firing `schedule` actions in this process (see {@link startActionScheduler}); stopped
   * by `close()`. Several processes may each run one: every tick still starts one task.
   */
  startScheduler(options?: ActionSchedulerOptions): ActionScheduler;
  /** User accounts; needs `passwordHasher`, else every call rejects with UnsupportedError. */
  readonly users: UserService;
  /** Sign-in, token rotation, request authentication; needs `passwordHasher` and `jwtSecret`. */
  readonly auth: AuthService;
  /** Personal access tokens. */
  readonly tokens: AccessTokenService;
  /**
   * Deployment settings; secrets are sealed with the SecretBox and shown only as views.
   * `readValue`/`readSecret` return plaintext for core features: never expose them.
   */
  readonly settings: SettingService;
  /** Coding agents: the built-in ones, custom ones, and which are installed (the runtime's agent host). */
  readonly agents: AgentService;
  /** MCP extensions: servers whose tools runs may use, their secrets sealed. */
  readonly extensions: ExtensionService;
  /** Health of the store, the job queue and this process's run workers. */
  readonly system: SystemService;
  /** Stops the schedulers and run workers started here (if any), then closes the store. Idempotent. */
  close(): Promise<void>;
}

/**
 * A stand-in for a service whose ports were not given: every method rejects with
 * UnsupportedError saying what to pass.
 */
function unavailable<Service extends object>(message: string): Service {
  return new Proxy({} as Service, {
    get: (_target, property) =>
      // Not a thenable: awaiting the service itself must not call a method.
      property === 'then' || typeof property === 'symbol'
        ? undefined
        : () => Promise.reject(new UnsupportedError(message)),
  });
}

/**
 * Builds Goosuke's services on the given ports. Pure wiring: nothing is opened or
 * started here; `close()` closes the store it was given.
 *
 * @throws InvalidInputError when `jwtSecret` is given but shorter than 32 characters or
 *   plainly weak, `auth` holds a lifetime under 60 seconds, or `limits` a value out of range.
 */
export function createGoosuke(dependencies: GoosukeDependencies): Goosuke {
  const context = {
    store: dependencies.store,
    secretBox: dependencies.secretBox,
    clock: dependencies.clock ?? systemClock,
    ids: dependencies.ids ?? randomIdGenerator,
  };
  const limits = resolveRunLimits(dependencies.limits);
  const logger = dependencies.logger ?? noopLogger;
  const models = createModelProfileService(context, {
    languageModels: dependencies.runtime?.languageModels,
    prices: dependencies.runs?.prices,
  });
  const { jwtSecret } = dependencies;
  // Every password hash of this Goosuke (sign-ins, password changes, new users) shares one bound
  // on how many run at once: each holds the hasher's memory (scrypt: 128 MiB) while it runs.
  const passwordHasher =
    dependencies.passwordHasher === undefined
      ? undefined
      : createBoundedPasswordHasher(dependencies.passwordHasher, dependencies.auth?.passwordHashing);
  // Failed password checks count per account across sign-in and password re-checks.
  const loginThrottle = createLoginThrottle(context.clock, dependencies.auth?.accountLoginLimit);
  // Authentication tells the actor facade which user it just read, so a request reads it once.
  const recentAuthentications = createRecentAuthentications(() => context.clock.now());
  const users =
    passwordHasher === undefined
      ? unavailable<UserService>(
          'user accounts need a password hasher: pass passwordHasher to createGoosuke (e.g. createScryptPasswordHasher() from @goosuke/scrypt)',
        )
      : createUserService({ ...context, passwordHasher, loginThrottle });
  const auth =
    passwordHasher === undefined || jwtSecret === undefined
      ? unavailable<AuthService>(
          'sign-in needs a password hasher and a JWT secret: pass passwordHasher and jwtSecret (GOOSUKE_JWT_SECRET) to createGoosuke',
        )
      : createAuthService({
          ...context,
          passwordHasher,
          jwt: createHmacJwtCodec({ secret: jwtSecret, clock: context.clock, issuer: 'goosuke' }),
          onAuthenticated: recentAuthentications.remember,
          loginThrottle,
          ...(dependencies.auth === undefined ? {} : { settings: dependencies.auth }),
        });
  const { codeHosts } = dependencies;
  // Runs clone with the code host's credentials unless the runtime brings its own.
  const runtime =
    dependencies.runtime === undefined ||
    dependencies.runtime.gitAuth !== undefined ||
    codeHosts === undefined
      ? dependencies.runtime
      : { ...dependencies.runtime, gitAuth: codeHostGitAuth(codeHosts) };
  // The process's job router: each service registers the job types it owns.
  const workers = runtime === undefined ? undefined : createWorkerRuntime({ queue: runtime.queue });
  const extensions = createExtensionService(context);
  const runService = createRunService({
    ...context,
    extensions,
    models,
    runtime,
    workers,
    settings: dependencies.runs ?? {},
    sinks: dependencies.eventSinks ?? [],
    limits,
    logger,
  });
  const templates = createTemplateService(context);
  const actions = createActionService({
    ...context,
    templates,
    runs: runService,
    canRun: runtime !== undefined,
    ...(dependencies.maxJsonDepth === undefined ? {} : { maxJsonDepth: dependencies.maxJsonDepth }),
  });
  const pullRequests = createPullRequestService({
    ...context,
    runtime,
    codeHosts,
    runs: runService,
    models,
    ...(dependencies.pullRequests?.baseUpdate === undefined
      ? {}
      : { baseUpdate: dependencies.pullRequests.baseUpdate }),
    ...(dependencies.runs?.author === undefined ? {} : { author: dependencies.runs.author }),
  });
  const callbacks = createActionCallbacks({
    ...context,
    queue: runtime?.queue,
    fetch: dependencies.fetch ?? ((input, init) => globalThis.fetch(input, init)),
    runs: runService,
    pullRequests,
  });
  runService.onEnded(callbacks.onRunEnded);
  for (const jobType of callbacks.jobTypes) workers?.register(jobType);
  const schedulers: ActionScheduler[] = [];
  let closing: Promise<void> | null = null;
  const tasks = createTaskService({ ...context, limits });
  const system = {
    limits,
    models,
    repos: createRepoService({ ...context, codeHosts }),
    tasks,
    github: createGitHubService({ ...context, codeHosts }),
    pullRequests,
    runs: runService,
    pipeline: createRunPipeline({
      store: context.store,
      repos: createRepoService({ ...context, codeHosts }),
      tasks,
      runs: runService,
      models,
      pullRequests,
      runtime,
      codeHosts,
      workersRunning: () => workers?.state() === 'running',
      limits,
    }),
    templates,
    actions,
    discord: createDiscordService({ ...context, actions, templates, models }),
    users,
    auth,
    tokens: createAccessTokenService(context),
    settings: createSettingService(context),
    agents: createAgentService({ ...context, host: runtime?.agentHost }),
    extensions,
  };
  const actorOf = createActorResolver(context.store, recentAuthentications, context.clock);
  return {
    ...system,
    logger,
    as: (actor) => createActorGoosuke(system, actorOf(actor)),
    startScheduler(options) {
      const scheduler = startActionScheduler(
        { store: context.store, clock: context.clock, actions },
        options,
      );
      schedulers.push(scheduler);
      return scheduler;
    },
    system: createSystemService({
      store: dependencies.store,
      queue: dependencies.runtime?.queue,
      workersRunning: () => workers?.state() === 'running',
    }),
    close() {
      closing ??= (async () => {
        for (const scheduler of schedulers) await scheduler.stop();
        await workers?.stop();
        await dependencies.store.close();
      })();
      return closing;
    },
  };
}
