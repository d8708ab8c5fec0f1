import { z } from 'zod';
import { actionTriggerSchema } from './action.ts';
import { idSchema, timestampSchema } from './common.ts';

/**
 * Where a task stands, from the runs of its latest message that ran: `idle` (no run yet),
 * `active` (a run of the task is queued or running), else `succeeded` (a run of that message
 * succeeded), `failed` (none succeeded, one failed) or `canceled` (all were canceled).
 */
export const taskStatusSchema = z
  .enum(['idle', 'active', 'succeeded', 'failed', 'canceled'])
  .meta({ id: 'TaskStatus' });
/** A task's status. */
export type TaskStatus = z.infer<typeof taskStatusSchema>;

/** The status of a task whose latest message ran `runs` (see {@link taskStatusSchema}). */
export function taskStatusOf(runs: ReadonlyArray<{ status: string }>): TaskStatus {
  if (runs.length === 0) return 'idle';
  if (runs.some((run) => run.status === 'queued' || run.status === 'running')) return 'active';
  if (runs.some((run) => run.status === 'succeeded')) return 'succeeded';
  if (runs.some((run) => run.status === 'failed')) return 'failed';
  return 'canceled';
}

/**
 * A conversation. A repo task (`repoId` set) produces patches on `baseBranch`; a text task
 * (no repo) produces text, such as a summary of a Discord thread.
 */
export const taskSchema = z
  .object({
    id: idSchema,
    title: z.string().min(1).max(500),
    repoId: idSchema.nullable(),
    /** The branch runs start from; null for text tasks. */
    baseBranch: z.string().min(1).max(255).nullable(),
    /** The action that created the task, if a trigger did. */
    actionId: idSchema.nullable(),
    /** The template the task was made from (its action's, when an action created it), else null. */
    templateId: idSchema.nullable(),
    /**
     * What started the task when an action did: its trigger kind (`webhook`, `schedule`,
     * `discord-reaction`, `discord-command`), or `manual` when it was fired by hand; null for a
     * task created directly.
     */
    trigger: actionTriggerSchema.nullable(),
    /** Where the task stands (see {@link taskStatusSchema}); kept as its runs are made and end. */
    status: taskStatusSchema,
    /** The user who created the task, if a person did. */
    createdBy: idSchema.nullable(),
    /**
     * The user who fired the task's action by hand (`POST /actions/{id}/trigger`, the CLI), not
     * the action's own trigger: for a webhook, schedule or Discord action this is the admin who
     * fired it in its place. Null for a task its trigger created, and for a task not from an action.
     */
    firedBy: idSchema.nullable(),
    /**
     * The run the task continues from: a user's pick, the run a pull request was opened or
     * updated from, or an action's pick. A follow-up message without `fromRun` and without an
     * open pull request builds on it. Null until one is chosen, and again if that run is deleted.
     */
    chosenRunId: idSchema.nullable(),
    archived: z.boolean(),
    /**
     * MCP extensions every run of the task gets, besides those of its action's template and
     * action, each run's own, and those always on.
     */
    extensionIds: z.array(idSchema),
    /**
     * The Discord channel (or thread) a Discord trigger started the task from, with its guild:
     * where the built-in `discord` extension of its runs reads and posts. Null otherwise.
     */
    discordChannel: z
      .object({
        guildId: z.string().regex(/^\d{1,20}$/),
        channelId: z.string().regex(/^\d{1,20}$/),
      })
      .strict()
      .nullable(),
    createdAt: timestampSchema,
    updatedAt: timestampSchema,
  })
  .meta({ id: 'Task' });
/** A task. */
export type Task = z.infer<typeof taskSchema>;

/** Who wrote a message. */
export const messageRoleSchema = z.enum(['user', 'assistant', 'system']).meta({ id: 'MessageRole' });
/** A message role. */
export type MessageRole = z.infer<typeof messageRoleSchema>;

/** One turn of a task's conversation. Each user message fans out into runs. */
export const messageSchema = z
  .object({
    id: idSchema,
    taskId: idSchema,
    role: messageRoleSchema,
    content: z.string().max(1_000_000),
    /** The run whose result this assistant message reports, if any. */
    runId: idSchema.nullable(),
    createdBy: idSchema.nullable(),
    createdAt: timestampSchema,
  })
  .meta({ id: 'Message' });
/** A message. */
export type Message = z.infer<typeof messageSchema>;
