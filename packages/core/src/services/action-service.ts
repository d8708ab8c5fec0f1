import { z } from 'zod';
import {
  type Action,
  actionSchema,
  actionTriggerSchema,
  agentRunInputSchema,
  defaultMaxJsonDepth,
  exceedsJsonDepth,
  idSchema,
  maxExtensionsPerRun,
  type Run,
  type Task,
  type Template,
} from '../domain/index.ts';
import {
  ConflictError,
  InvalidInputError,
  NotFoundError,
  UnauthorizedError,
  UnsupportedError,
} from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import { collectPages, type ListOptions, type Page, type Store } from '../ports/store.ts';
import { toHex } from '../secrets/base64url.ts';
import { parseActionConfig } from '../triggers/action-config.ts';
import { mapParameters, parameterMappingSchema } from '../triggers/parameter-mapping.ts';
import { renderTemplate } from '../triggers/render-template.ts';
import {
  verifyGitHubSignature,
  verifyWebhookSignature,
  type WebhookHeaderLookup,
} from '../triggers/webhook-signature.ts';
import { webhookSecretContext } from './action-callbacks.ts';
import { type IdempotencyClaim, type IdempotencyOptions, runIdempotent } from './idempotency.ts';
import { parseInput } from './parse-input.ts';
import { assertExtensionsExist } from './run-extensions.ts';
import type { RunService } from './run-service.ts';
import type { ServiceContext } from './service-context.ts';
import { templateRunSettings } from './template-runs.ts';
import { findTemplate, type TemplateService } from './template-service.ts';

/** A webhook secret as an admin may set it: long enough to resist guessing. */
const webhookSecretSchema = z.string().min(16, 'a webhook secret has at least 16 characters').max(256);

/** Input of {@link ActionService.create}. */
export const createActionInputSchema = z
  .object({
    name: actionSchema.shape.name,
    /** The template, by id or name. */
    template: z.string().min(1).max(200),
    trigger: actionTriggerSchema,
    /** The trigger's settings; see the trigger config schemas (`WebhookTriggerConfig` …). */
    config: z.record(z.string(), z.unknown()).default({}),
    repoId: actionSchema.shape.repoId.default(null),
    callbackUrl: actionSchema.shape.callbackUrl.default(null),
    parameterMapping: parameterMappingSchema.default({}),
    enabled: actionSchema.shape.enabled.default(true),
    /** The webhook secret to use (e.g. the one configured at GitHub); generated when absent and needed. */
    webhookSecret: webhookSecretSchema.optional(),
    ownerId: idSchema.nullable().default(null),
    /** MCP extensions, by id, the action's runs get besides its template's. */
    extensionIds: actionSchema.shape.extensionIds.max(maxExtensionsPerRun).default([]),
  })
  .strict()
  .meta({ id: 'CreateActionInput' });
/** Input to create an action. */
export type CreateActionInput = z.input<typeof createActionInputSchema>;

/** Input of {@link ActionService.update}: the fields to change. */
export const updateActionInputSchema = z
  .object({
    name: actionSchema.shape.name.optional(),
    template: z.string().min(1).max(200).optional(),
    trigger: actionTriggerSchema.optional(),
    config: z.record(z.string(), z.unknown()).optional(),
    repoId: actionSchema.shape.repoId.optional(),
    callbackUrl: actionSchema.shape.callbackUrl.optional(),
    parameterMapping: parameterMappingSchema.optional(),
    enabled: actionSchema.shape.enabled.optional(),
    ownerId: idSchema.nullable().optional(),
    extensionIds: actionSchema.shape.extensionIds.max(maxExtensionsPerRun).optional(),
  })
  .strict()
  .meta({ id: 'UpdateActionInput' });
/** Input to update an action. */
export type UpdateActionInput = z.input<typeof updateActionInputSchema>;

/** Input of {@link ActionService.trigger}. */
export const triggerActionInputSchema = z
  .object({
    /** Template parameter values; they win over values the mapping takes from `data`. */
    parameters: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}),
    /**
     * Names of parameters whose values come from outside (transcripts, bodies): they are given to
     * the model as delimited data, never as instructions. Values mapped from `data` always are.
     */
    untrusted: z.array(z.string()).max(50).default([]),
    /** Trigger data the action's `parameterMapping` reads from (a webhook body, an event). */
    data: z.unknown().optional(),
    /**
     * Model profiles, one run each. With `agents`, they replace the template's default models and
     * agents; without either, those run.
     */
    models: z.array(idSchema).min(1).max(16).optional(),
    /** Coding agents, one run each (see `CreateRunsInput.agents`); as `models`, they replace the template's defaults. */
    agents: z.array(agentRunInputSchema).min(1).max(16).optional(),
    /** The repository for a `patch`/`pull-request` template; default the action's, then the template's. */
    repoId: idSchema.optional(),
    title: z.string().trim().min(1).max(300).optional(),
    /** Makes a retried trigger return the task the first one created (1 to 190 characters). */
    idempotencyKey: z.string().min(1).max(190).optional(),
    createdBy: idSchema.optional(),
    /** The user firing the action by hand, recorded on the task (`Task.firedBy`); absent for its own trigger. */
    firedBy: idSchema.optional(),
  })
  .strict()
  .meta({ id: 'TriggerActionInput' });
/** Input to trigger an action. */
export type TriggerActionInput = z.input<typeof triggerActionInputSchema>;

/** What triggering produced: the task and its runs; `created` is false for a retried trigger. */
export interface TriggeredTask {
  task: Task;
  runs: Run[];
  created: boolean;
}

/** A created action, with its webhook secret when one was set or generated (shown this once). */
export interface CreatedAction {
  action: Action;
  webhookSecret: string | null;
}

/** What a webhook delivery came to. */
export type WebhookOutcome =
  | { kind: 'started'; triggered: TriggeredTask }
  /** Authenticated but not work: a GitHub `ping` or an event the action does not listen to. */
  | { kind: 'ignored'; reason: string };

/** A webhook delivery as the HTTP adapter hands it over. */
export interface WebhookDelivery {
  /** Header lookup by lower-case name. */
  header: WebhookHeaderLookup;
  /** The raw body, exactly as received (signatures cover these bytes). */
  body: Uint8Array;
}

/** Actions: triggers bound to templates. */
export interface ActionService {
  /**
   * Stores an action after checking its trigger config, template, repo, owner and parameter
   * mapping (every mapped name a template parameter). A webhook action, and any action with a
   * callback URL, gets a webhook secret (the given one, else a generated one), returned once.
   * ConflictError for a name in use.
   */
  create(input: CreateActionInput): Promise<CreatedAction>;
  /** NotFoundError when missing. */
  get(id: string): Promise<Action>;
  /** By id or, failing that, by name. NotFoundError when neither matches. */
  resolve(idOrName: string): Promise<Action>;
  list(
    options?: ListOptions & { templateId?: string; enabled?: boolean; ownerId?: string },
  ): Promise<Page<Action>>;
  /**
   * Changes the given fields with the checks of `create` on the result. Returns the generated
   * secret when the change made one necessary (became a webhook, got a callback URL) and none
   * was set.
   */
  update(id: string, input: UpdateActionInput): Promise<CreatedAction>;
  /** Deletes the action and its trigger keys. NotFoundError when missing. */
  delete(id: string): Promise<void>;
  /** Replaces the webhook secret with `secret` or a generated one, and returns it (shown this once). */
  rotateWebhookSecret(id: string, secret?: string): Promise<string>;
  /**
   * Fills the action's template (parameters, plus values its mapping reads from `data`) and
   * starts its runs: a text task for a `text` template, a task on the repository otherwise.
   * The task, its trigger keys and its runs are written in one transaction. With
   * `idempotencyKey`, a retried (or concurrent) trigger returns the first one's task and runs
   * (`created: false`) and starts nothing: that key belongs to the action (trusted callers,
   * signed deliveries). A caller's own key is `options.idempotency` (see runIdempotent): scoped
   * to that user and this action, ConflictError when reused with a different request.
   * ConflictError for a disabled action; InvalidInputError for bad parameters, no model or no
   * repository; UnsupportedError for a Goosuke that cannot run tasks.
   */
  trigger(
    id: string,
    input?: TriggerActionInput,
    options?: {
      idempotency?: IdempotencyOptions;
      /** The Discord channel a Discord trigger fired from, kept on the task (`Task.discordChannel`). */
      discordChannel?: Task['discordChannel'];
    },
  ): Promise<TriggeredTask>;
  /**
   * Handles a webhook delivery: the action must be a webhook action (NotFoundError otherwise);
   * the body must carry a valid signature over its exact bytes: Goosuke's timestamped
   * `X-Goosuke-Signature` (within 5 minutes, each signature once, across processes), or, for an
   * action marked `github`, GitHub's `X-Hub-Signature-256` (its `X-GitHub-Delivery` then makes
   * redeliveries idempotent, and the same signed body under another or no delivery id is a
   * replay, refused for as long as the task it created is kept). UnauthorizedError (`signature`) for a missing, wrong, stale or
   * replayed one; the JSON (or GitHub form-encoded) body feeds the parameter mapping as
   * untrusted data; `Idempotency-Key` makes a retried delivery return the same task.
   */
  receiveWebhook(id: string, delivery: WebhookDelivery): Promise<WebhookOutcome>;
}

/** What the action service needs beyond the common context. */
export interface ActionServiceContext extends ServiceContext {
  templates: TemplateService;
  runs: Pick<RunService, 'createInTransaction'>;
  /** Whether runs can be started (Goosuke was built with a runtime). */
  canRun: boolean;
  /** How deep a webhook body may nest; default {@link defaultMaxJsonDepth}. */
  maxJsonDepth?: number;
}

/** A random secret: 32 bytes as hex. */
function generateSecret(): string {
  return toHex(crypto.getRandomValues(new Uint8Array(32)));
}

/** Thrown inside the task-creating transaction to roll it back when a key was claimed before. */
class KeyTaken extends Error {
  readonly key: string;
  readonly taskId: string;

  constructor(key: string, taskId: string) {
    super(`trigger key ${key} was claimed before`);
    this.key = key;
    this.taskId = taskId;
  }
}

const decoder = new TextDecoder('utf-8', { fatal: true });

/** The webhook body as data for the mapping: JSON, or GitHub's form-encoded `payload`. */
function parseWebhookBody(delivery: WebhookDelivery, maxJsonDepth: number): unknown {
  if (delivery.body.length === 0) return {};
  let text: string;
  try {
    text = decoder.decode(delivery.body);
  } catch {
    throw new InvalidInputError('the webhook body is not UTF-8 text; send JSON');
  }
  const type = (delivery.header('content-type') ?? '').toLowerCase();
  if (type.startsWith('application/x-www-form-urlencoded')) {
    const payload = new URLSearchParams(text).get('payload');
    if (payload === null) throw new InvalidInputError('a form-encoded webhook body needs a payload field');
    text = payload;
  }
  // Checked on the text, before anything recursive (parsing, mapping, storing) meets it.
  if (exceedsJsonDepth(text, maxJsonDepth)) {
    throw new InvalidInputError(`the webhook body nests deeper than ${maxJsonDepth} levels`);
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('the webhook body is not valid JSON');
  }
}

/** Builds the action service. */
export function createActionService(context: ActionServiceContext): ActionService {
  const { store, clock, ids, secretBox } = context;

  async function get(id: string): Promise<Action> {
    const action = await store.actions.get(id);
    if (action === null) throw new NotFoundError('action', id);
    return action;
  }

  /** The checks a stored action must pass; returns it with its config normalized. */
  async function check(source: Store, action: Action, template: Template): Promise<Action> {
    const config = parseActionConfig(action.trigger, action.config);
    const declared = new Set(template.parameters.map((parameter) => parameter.name));
    const unknown = Object.keys(action.parameterMapping).filter((name) => !declared.has(name));
    if (unknown.length > 0) {
      throw new InvalidInputError(
        `the parameter mapping names ${unknown.join(', ')}, which template ${template.name} does not take`,
        unknown.map((name) => ({
          path: ['parameterMapping', name],
          message: 'not a parameter of the template',
        })),
      );
    }
    if (action.repoId !== null && (await source.repos.get(action.repoId)) === null) {
      throw new NotFoundError('repo', action.repoId);
    }
    if (action.ownerId !== null && (await source.users.get(action.ownerId)) === null) {
      throw new NotFoundError('user', action.ownerId);
    }
    await assertExtensionsExist(source, action.extensionIds, 'extensionIds');
    return { ...action, config, extensionIds: [...new Set(action.extensionIds)] };
  }

  const needsSecret = (action: Action): boolean =>
    action.trigger === 'webhook' || action.callbackUrl !== null;

  async function storeSecret(source: Store, id: string, secret: string): Promise<void> {
    await source.actions.setWebhookSecret(id, await secretBox.seal(secret, webhookSecretContext(id)));
  }

  /** Starts the action's template as a task; `keys` are claimed with it (the first one taken wins). */
  async function start(
    action: Action,
    raw: TriggerActionInput,
    extraKeys: {
      replay?: string;
      replayAfterIdempotency?: boolean;
      discordChannel?: Task['discordChannel'];
    } = {},
    idempotency?: IdempotencyOptions,
  ): Promise<TriggeredTask> {
    const input = parseInput(triggerActionInputSchema, raw, 'trigger');
    return runIdempotent<TriggeredTask>({
      store,
      clock,
      operation: 'actions.trigger',
      target: action.id,
      options: idempotency,
      request: input,
      replay: (record) => existingTriggered(record.taskId),
      create: (claim) => startTask(action, input, extraKeys, claim),
    });
  }

  /** The task a trigger created before, with its runs (`created: false`). */
  async function existingTriggered(taskId: string): Promise<TriggeredTask> {
    const existing = await store.tasks.get(taskId);
    if (existing === null) throw new NotFoundError('task', taskId);
    const runs = await collectPages((cursor) => store.runs.list({ taskId: existing.id, limit: 500, cursor }));
    return { task: existing, runs, created: false };
  }

  /** Creates the task, its trigger keys (and the caller's idempotency key, via `claim`) and its runs in one transaction. */
  async function startTask(
    action: Action,
    input: z.output<typeof triggerActionInputSchema>,
    extraKeys: { replay?: string; replayAfterIdempotency?: boolean; discordChannel?: Task['discordChannel'] },
    claim: IdempotencyClaim | undefined,
  ): Promise<TriggeredTask> {
    if (!action.enabled)
      throw new ConflictError(`action ${action.name} is disabled; enable it to trigger it`);
    if (!context.canRun) {
      throw new UnsupportedError(
        'triggering an action starts runs: build Goosuke with a runtime (job queue, git, models)',
      );
    }
    const template = await store.templates.get(action.templateId);
    if (template === null) throw new NotFoundError('template', action.templateId);
    const mapped = input.data === undefined ? {} : mapParameters(action.parameterMapping, input.data);
    const values = { ...mapped, ...input.parameters };
    const untrusted = new Set(input.untrusted);
    for (const name of Object.keys(mapped)) if (!(name in input.parameters)) untrusted.add(name);
    const rendered = renderTemplate(template, values, { untrusted: [...untrusted] });

    const settings = templateRunSettings(template, input);
    const repoId = template.outputKind === 'text' ? null : (input.repoId ?? action.repoId ?? template.repoId);
    if (template.outputKind !== 'text' && repoId === null) {
      throw new InvalidInputError(
        `template ${template.name} changes a repository: give repoId, or set one on the action or the template`,
        [{ path: ['repoId'], message: 'required for a patch template' }],
      );
    }
    const createdBy = input.createdBy ?? action.ownerId ?? undefined;
    const replayKeys = extraKeys.replay === undefined ? [] : [extraKeys.replay];
    const idempotencyKeys = input.idempotencyKey === undefined ? [] : [`idem:${input.idempotencyKey}`];
    // The first key taken decides: a redelivery (same idempotency key) gets its task back before
    // its body counts as replayed, when the replay key says so (GitHub's body digest).
    const keys = extraKeys.replayAfterIdempotency
      ? [...idempotencyKeys, ...replayKeys]
      : [...replayKeys, ...idempotencyKeys];

    let created: { task: Task; runs: Run[]; started(): Promise<void> };
    try {
      // The task, its keys and its runs commit together: a key taken by a concurrent trigger
      // rolls all of it back, and a crash leaves either everything or nothing.
      created = await store.transaction(async (tx) => {
        let baseBranch: string | null = null;
        if (repoId !== null) {
          const repo = await tx.repos.get(repoId);
          if (repo === null) throw new NotFoundError('repo', repoId);
          baseBranch = repo.defaultBranch;
        }
        const now = isoNow(clock);
        const task = await tx.tasks.insert({
          id: ids.next('task'),
          title: input.title ?? action.name,
          repoId,
          baseBranch,
          actionId: action.id,
          templateId: action.templateId,
          // Fired by hand, whatever the action's own trigger; else the trigger that fired.
          trigger: input.firedBy === undefined ? action.trigger : 'manual',
          status: 'idle',
          createdBy: createdBy ?? null,
          firedBy: input.firedBy ?? null,
          chosenRunId: null,
          archived: false,
          extensionIds: [],
          discordChannel: extraKeys.discordChannel ?? null,
          createdAt: now,
          updatedAt: now,
        });
        for (const key of keys) {
          const claim = await tx.triggerKeys.claim({
            actionId: action.id,
            key,
            taskId: task.id,
            createdAt: now,
          });
          if (!claim.created) throw new KeyTaken(key, claim.taskId);
        }
        const { runs, started } = await context.runs.createInTransaction(tx, task.id, {
          instruction: rendered.prompt,
          ...settings,
          ...(createdBy === undefined ? {} : { createdBy }),
        });
        await claim?.(tx, { taskId: task.id, messageId: null });
        return { task: await tx.tasks.get(task.id).then((stored) => stored ?? task), runs, started };
      });
    } catch (error) {
      if (!(error instanceof KeyTaken)) throw error;
      if (error.key === extraKeys.replay) {
        throw new UnauthorizedError('signature', { cause: new Error('webhook refused: signature replayed') });
      }
      return existingTriggered(error.taskId);
    }
    await created.started();
    return { task: created.task, runs: created.runs, created: true };
  }

  return {
    async create(raw) {
      const input = parseInput(createActionInputSchema, raw, 'action');
      const now = isoNow(clock);
      return store.transaction(async (tx) => {
        const template = await findTemplate(tx, input.template);
        const draft: Action = {
          id: ids.next('action'),
          name: input.name,
          templateId: template.id,
          trigger: input.trigger,
          config: input.config as Action['config'],
          repoId: input.repoId,
          ownerId: input.ownerId,
          callbackUrl: input.callbackUrl,
          parameterMapping: input.parameterMapping,
          hasWebhookSecret: false,
          enabled: input.enabled,
          extensionIds: [...new Set(input.extensionIds)],
          createdAt: now,
          updatedAt: now,
        };
        const action = await tx.actions.insert(await check(tx, draft, template));
        const secret = input.webhookSecret ?? (needsSecret(action) ? generateSecret() : null);
        if (secret === null) return { action, webhookSecret: null };
        await storeSecret(tx, action.id, secret);
        return { action: { ...action, hasWebhookSecret: true }, webhookSecret: secret };
      });
    },

    get,

    async resolve(idOrName) {
      const action = (await store.actions.get(idOrName)) ?? (await store.actions.getByName(idOrName));
      if (action === null) throw new NotFoundError('action', idOrName);
      return action;
    },

    list(options) {
      return store.actions.list(options);
    },

    async update(id, raw) {
      const input = parseInput(updateActionInputSchema, raw, 'action update');
      return store.transaction(async (tx) => {
        const current = await tx.actions.get(id);
        if (current === null) throw new NotFoundError('action', id);
        const template = await findTemplate(tx, input.template ?? current.templateId);
        const { template: _template, ...fields } = input;
        const trigger = input.trigger ?? current.trigger;
        const draft: Action = {
          ...current,
          ...fields,
          // A new trigger kind starts from its defaults unless new settings come with it.
          config: (input.config ?? (trigger === current.trigger ? current.config : {})) as Action['config'],
          templateId: template.id,
          updatedAt: isoNow(clock),
        };
        const checked = await check(tx, draft, template);
        const { id: _id, createdAt: _createdAt, hasWebhookSecret: _has, ...patch } = checked;
        const action = await tx.actions.update(id, patch);
        if (!needsSecret(action) || action.hasWebhookSecret) return { action, webhookSecret: null };
        const secret = generateSecret();
        await storeSecret(tx, id, secret);
        return { action: { ...action, hasWebhookSecret: true }, webhookSecret: secret };
      });
    },

    async delete(id) {
      if (!(await store.actions.delete(id))) throw new NotFoundError('action', id);
    },

    async rotateWebhookSecret(id, given) {
      const secret =
        given === undefined ? generateSecret() : parseInput(webhookSecretSchema, given, 'webhook secret');
      await get(id);
      await storeSecret(store, id, secret);
      return secret;
    },

    async trigger(id, input = {}, options = {}) {
      const place = options.discordChannel === undefined ? {} : { discordChannel: options.discordChannel };
      return start(await get(id), input, place, options.idempotency);
    },

    async receiveWebhook(id, delivery) {
      const action = await store.actions.get(id);
      if (action === null || action.trigger !== 'webhook') throw new NotFoundError('webhook action', id);
      const sealed = await store.actions.getWebhookSecret(id);
      if (sealed === null) {
        throw new UnauthorizedError('signature', {
          cause: new Error('webhook refused: the action has no secret'),
        });
      }
      const secret = await secretBox.open(sealed, webhookSecretContext(id));
      const config = parseActionConfig('webhook', action.config);
      const gitHubSignature = delivery.header('x-hub-signature-256');
      let replay: string | undefined;
      let replayAfterIdempotency = false;
      let idempotencyKey = delivery.header('idempotency-key') ?? undefined;
      if (config.github && gitHubSignature != null && delivery.header('x-goosuke-signature') == null) {
        await verifyGitHubSignature({ secret, header: gitHubSignature, body: delivery.body });
        const event = delivery.header('x-github-event') ?? '';
        if (event === 'ping') return { kind: 'ignored', reason: 'GitHub ping' };
        if (config.githubEvents.length > 0 && !config.githubEvents.includes(event)) {
          return { kind: 'ignored', reason: `event ${event || '(none)'} is not one this action listens to` };
        }
        const deliveryId = delivery.header('x-github-delivery');
        if (idempotencyKey === undefined && deliveryId != null) idempotencyKey = `github:${deliveryId}`;
        // GitHub's scheme signs no time and no delivery id: the same signed body under a new or
        // missing X-GitHub-Delivery is a captured delivery replayed. Its digest is remembered with
        // the task it created; a redelivery with the same delivery id still gets that task back.
        const digest = await crypto.subtle.digest('SHA-256', new Uint8Array(delivery.body));
        replay = `ghbody:${toHex(new Uint8Array(digest))}`;
        replayAfterIdempotency = true;
      } else {
        const verified = await verifyWebhookSignature({
          secret,
          headers: delivery.header,
          body: delivery.body,
          now: clock.now(),
        });
        // Remembered with the task it created, so a replay is refused in every process.
        replay = `sig:${verified.signature.slice('sha256='.length)}`;
      }
      if (idempotencyKey !== undefined && (idempotencyKey.length > 190 || idempotencyKey.trim() === '')) {
        throw new InvalidInputError('the Idempotency-Key header must be 1 to 190 characters');
      }
      const data = parseWebhookBody(delivery, context.maxJsonDepth ?? defaultMaxJsonDepth);
      const triggered = await start(
        action,
        { data, ...(idempotencyKey === undefined ? {} : { idempotencyKey }) },
        replay === undefined ? {} : { replay, replayAfterIdempotency },
      );
      return { kind: 'started', triggered };
    },
  };
}
