import { z } from 'zod';
import {
  idSchema,
  type ModelProfile,
  modelProviderSchema,
  runBaseSourceSchema,
  runErrorSchema,
  runStatusSchema,
  usageSchema,
} from '../domain/index.ts';
import { NotFoundError } from '../errors/index.ts';
import { collectPages, type Store } from '../ports/store.ts';
import { lineTotals } from '../runs/patch-stats.ts';

/** One run in a {@link RunComparison}. */
export const runComparisonEntrySchema = z
  .object({
    runId: idSchema,
    status: runStatusSchema,
    /** The coding agent that made the run (`claude-code`, a custom one), or null for a model run. */
    agent: z.string().nullable(),
    /** The model the run used (an agent's: the one its calls went to); null for a deleted profile. */
    model: z
      .object({
        profileId: idSchema,
        provider: modelProviderSchema,
        modelName: z.string(),
        displayName: z.string(),
      })
      .nullable(),
    /** The ref the run started from (see `Run.baseRef`). */
    baseRef: z.string().nullable(),
    /** Why it started there: explicit ref, fromRun, pull request, chosen run or base branch. */
    baseSource: runBaseSourceSchema.nullable(),
    filesChanged: z.number().int().nonnegative(),
    added: z.number().int().nonnegative(),
    removed: z.number().int().nonnegative(),
    /** The changed paths, sorted. */
    paths: z.array(z.string()),
    /** From start to end; null until the run has both. */
    durationMs: z.number().int().nonnegative().nullable(),
    usage: usageSchema.nullable(),
    error: runErrorSchema.nullable(),
    /**
     * Model calls the run made (its `run-tokens` events): 1 when the first answer applied, more
     * when edits had to be asked for again. A measure of how cleanly the model worked.
     */
    modelCalls: z.number().int().nonnegative(),
    /** What a coding agent did, from its run's events; null for a model run. */
    agentActivity: z
      .object({
        /** The agent's tool calls by kind (`edit`, `read`, `execute`, `other`…), each call counted once. */
        toolCalls: z.record(z.string(), z.number().int().nonnegative()),
        /** Its permission requests, as the run's policy answered them. */
        permissions: z.object({
          allowed: z.number().int().nonnegative(),
          refused: z.number().int().nonnegative(),
        }),
        /** The last plan it reported (its entries and their status), or null when it gave none. */
        plan: z.array(z.object({ content: z.string(), status: z.string() })).nullable(),
      })
      .nullable(),
  })
  .meta({ id: 'RunComparisonEntry' });
/** One run of a comparison. */
export type RunComparisonEntry = z.infer<typeof runComparisonEntrySchema>;

/** The runs of one message side by side, and the files two runs both changed. */
export const runComparisonSchema = z
  .object({
    messageId: idSchema,
    taskId: idSchema,
    runs: z.array(runComparisonEntrySchema),
    /** Every pair of runs that changed some of the same files, with those paths. */
    sharedFiles: z.array(z.object({ runIds: z.tuple([idSchema, idSchema]), paths: z.array(z.string()) })),
  })
  .meta({ id: 'RunComparison' });
/** A comparison of runs. */
export type RunComparison = z.infer<typeof runComparisonSchema>;

/** What a run's events say of its work: model calls, and an agent's activity. */
interface RunEventTotals {
  modelCalls: number;
  activity: NonNullable<RunComparisonEntry['agentActivity']>;
}

/**
 * Reads a run's events once: its model calls (`run-tokens` events), and the tool calls (by kind,
 * each id once: agents announce a call again as its input arrives), permission decisions and last
 * plan its agent reported (`run-log` events of kinds `tool_call`, `permission`, `plan`).
 */
async function eventTotalsOf(store: Store, runId: string): Promise<RunEventTotals> {
  const totals: RunEventTotals = {
    modelCalls: 0,
    activity: { toolCalls: {}, permissions: { allowed: 0, refused: 0 }, plan: null },
  };
  const seenCalls = new Set<string>();
  let afterSequence = 0;
  for (;;) {
    const events = await store.runEvents.list({ runId, afterSequence, limit: 500 });
    for (const event of events) {
      if (event.type === 'run-tokens') totals.modelCalls++;
      if (event.type !== 'run-log') continue;
      const data = event.data as {
        kind?: unknown;
        toolCallId?: unknown;
        toolKind?: unknown;
        decision?: unknown;
        entries?: unknown;
      };
      if (
        data.kind === 'tool_call' &&
        typeof data.toolCallId === 'string' &&
        !seenCalls.has(data.toolCallId)
      ) {
        seenCalls.add(data.toolCallId);
        const kind = typeof data.toolKind === 'string' ? data.toolKind : 'other';
        totals.activity.toolCalls[kind] = (totals.activity.toolCalls[kind] ?? 0) + 1;
      } else if (data.kind === 'permission') {
        if (data.decision === 'allow') totals.activity.permissions.allowed++;
        else totals.activity.permissions.refused++;
      } else if (data.kind === 'plan' && Array.isArray(data.entries)) {
        totals.activity.plan = data.entries.map((entry) => {
          const { content, status } = (entry ?? {}) as { content?: unknown; status?: unknown };
          return { content: String(content ?? ''), status: String(status ?? '') };
        });
      }
    }
    if (events.length < 500) return totals;
    afterSequence = events[events.length - 1]!.sequence;
  }
}

/** The runs of a user message side by side (see `RunService.compare`). NotFoundError for a missing message. */
export async function compareRuns(store: Store, messageId: string): Promise<RunComparison> {
  const message = await store.messages.get(messageId);
  if (message === null) throw new NotFoundError('message', messageId);
  const runs = await collectPages((cursor) => store.runs.list({ messageId, limit: 500, cursor }));
  const profiles = new Map<string, ModelProfile | null>();
  const entries: RunComparisonEntry[] = [];
  for (const run of runs) {
    let model: RunComparisonEntry['model'] = null;
    const profileId = run.executor.modelProfileId;
    if (profileId !== null) {
      if (!profiles.has(profileId)) profiles.set(profileId, await store.models.get(profileId));
      const profile = profiles.get(profileId) ?? null;
      if (profile !== null) {
        model = {
          profileId,
          provider: profile.provider,
          modelName: profile.modelName,
          displayName: profile.displayName,
        };
      }
    }
    const totals = await eventTotalsOf(store, run.id);
    entries.push({
      runId: run.id,
      status: run.status,
      agent: run.executor.kind === 'agent' ? run.executor.agent : null,
      model,
      baseRef: run.baseRef,
      baseSource: run.baseSource,
      filesChanged: run.filesChanged.length,
      ...lineTotals(run.filesChanged),
      paths: run.filesChanged.map((file) => file.path).sort(),
      durationMs:
        run.startedAt === null || run.completedAt === null
          ? null
          : Math.max(0, Date.parse(run.completedAt) - Date.parse(run.startedAt)),
      usage: run.usage,
      error: run.error,
      modelCalls: totals.modelCalls,
      agentActivity: run.executor.kind === 'agent' ? totals.activity : null,
    });
  }
  const sharedFiles: RunComparison['sharedFiles'] = [];
  for (let left = 0; left < entries.length; left++) {
    for (let right = left + 1; right < entries.length; right++) {
      const other = new Set(entries[right]!.paths);
      const paths = entries[left]!.paths.filter((path) => other.has(path));
      if (paths.length > 0)
        sharedFiles.push({ runIds: [entries[left]!.runId, entries[right]!.runId], paths });
    }
  }
  return { messageId, taskId: message.taskId, runs: entries, sharedFiles };
}
