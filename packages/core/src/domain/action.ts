import { z } from 'zod';
import { idSchema, jsonObjectSchema, timestampSchema } from './common.ts';

/**
 * Where an action's trigger comes from. `manual` covers every explicit start (the HTTP API,
 * the CLI, the web UI); stores migrate the former `http` and `cli` kinds to it.
 */
export const actionTriggerSchema = z
  .enum(['manual', 'webhook', 'discord-reaction', 'discord-command', 'schedule'])
  .meta({ id: 'ActionTrigger' });
/** An action trigger kind. */
export type ActionTrigger = z.infer<typeof actionTriggerSchema>;

/**
 * A trigger bound to a template: "when this happens, create a task from that template and
 * start its runs". `config` holds trigger-specific settings (an emoji, a cron expression,
 * a mapping from webhook body to parameters); secrets such as webhook keys are never in it:
 * the webhook secret is a sealed string stored beside the action (see `ActionRepository`),
 * and `hasWebhookSecret` only says whether one is set.
 */
export const actionSchema = z
  .object({
    id: idSchema,
    name: z.string().min(1).max(200),
    templateId: idSchema,
    trigger: actionTriggerSchema,
    config: jsonObjectSchema,
    /** The repo that repo-kind templates run on, if any. */
    repoId: idSchema.nullable(),
    /** The user whose tasks the action creates; null once that user is deleted. */
    ownerId: idSchema.nullable(),
    /** Where the outcome of each triggered task is posted (http or https), if anywhere. */
    callbackUrl: z
      .url({ protocol: /^https?$/ })
      .max(2000)
      .nullable(),
    /**
     * Template parameter name to where its value comes from in the trigger data, e.g.
     * `$.pull_request.title`. Empty when the trigger fills no parameter.
     */
    parameterMapping: z.record(z.string(), z.string().max(500)),
    /** Whether a webhook secret is stored beside the action; maintained by the store. */
    hasWebhookSecret: z.boolean(),
    enabled: z.boolean(),
    /** MCP extensions the action's runs get besides its template's (see `Run.extensions`). */
    extensionIds: z.array(idSchema),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Action' });
/** An action. */
export type Action = z.infer<typeof actionSchema>;

/**
 * One idempotency key of a trigger: the first claim of (`actionId`, `key`) records the task it
 * created, so that a retried delivery (a webhook redelivered, a command sent twice) finds the
 * same task instead of creating another. `key` is chosen by the trigger (a delivery id, a
 * message id, a caller's Idempotency-Key).
 */
export const actionTriggerKeySchema = z
  .object({
    actionId: idSchema,
    key: z.string().min(1).max(200),
    taskId: idSchema,
    createdAt: timestampSchema,
  })
  .meta({ id: 'ActionTriggerKey' });
/** A claimed trigger key. */
export type ActionTriggerKey = z.infer<typeof actionTriggerKeySchema>;
