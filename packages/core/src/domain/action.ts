import { z } from 'zod';
import { idSchema, jsonObjectSchema, timestampSchema } from './common.ts';

/** Where an action's trigger comes from. */
export const actionTriggerSchema = z
  .enum(['http', 'webhook', 'discord-reaction', 'discord-command', 'cli', 'schedule'])
  .meta({ id: 'ActionTrigger' });
/** An action trigger kind. */
export type ActionTrigger = z.infer<typeof actionTriggerSchema>;

/**
 * A trigger bound to a template: "when this happens, create a task from that template and
 * start its runs". `config` holds trigger-specific settings (an emoji, a cron expression,
 * a mapping from webhook body to parameters); secrets such as webhook keys are never in it.
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
    enabled: z.boolean(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Action' });
/** An action. */
export type Action = z.infer<typeof actionSchema>;
