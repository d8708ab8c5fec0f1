import { type Action, isTerminalRunStatus, type PullRequest, type Run } from '../domain/index.ts';
import { GoosukeError } from '../errors/index.ts';
import { type Clock, isoNow } from '../ports/clock.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { JobQueue } from '../ports/job-queue.ts';
import type { SecretBox } from '../ports/secret-box.ts';
import { collectPages, type Store } from '../ports/store.ts';
import { pickRun } from '../pull-requests/pick-run.ts';
import type { JobTypeRegistration } from '../runs/worker-runtime.ts';
import { signWebhook } from '../triggers/webhook-signature.ts';
import type { PullRequestService } from './pull-request-service.ts';
import { findOpenPullRequest } from './pull-request-service.ts';
import { chooseRun } from './run-base.ts';
import type { RunService } from './run-service.ts';

/** The job type of a callback delivery in the JobQueue. */
export const actionCallbackJobType = 'action-callback';

/** The job type that opens (or updates) the pull request of a `pull-request` template's task. */
export const actionPullRequestJobType = 'action-pull-request';

/** The SecretBox context of an action's webhook secret: the envelope opens only for that action. */
export function webhookSecretContext(actionId: string): string {
  return `action-webhook:${actionId}`;
}

/** Waits before each retry of a failed delivery; the length is the number of retries. */
export const callbackRetryDelaysMs: readonly number[] = [10_000, 60_000, 300_000, 1_800_000];

/** How long one delivery may take before it counts as failed. */
const deliveryTimeoutMs = 15_000;

/** What the runs of one triggered message came to: `succeeded` when any run succeeded. */
export type CallbackStatus = 'succeeded' | 'failed' | 'canceled';

/**
 * The JSON body of a callback POST (event `task.completed`): the task, the overall status and
 * each run's outcome (a text task's answer is the run's `summary`; a repository run's change
 * is its `patch`).
 */
export interface ActionCallbackBody {
  event: 'task.completed';
  action: { id: string; name: string };
  task: { id: string; title: string };
  messageId: string;
  status: CallbackStatus;
  runs: Array<Pick<Run, 'id' | 'status' | 'summary' | 'patch' | 'filesChanged' | 'error' | 'usage'>>;
  /** The task's open pull request (a `pull-request` template opens one from the best run), or null. */
  pullRequest: Pick<PullRequest, 'number' | 'url' | 'state' | 'branch' | 'runId'> | null;
}

/** What callbacks are built from. */
export interface ActionCallbackContext {
  store: Store;
  secretBox: SecretBox;
  clock: Clock;
  ids: IdGenerator;
  /** The job queue the callback jobs go to; undefined when Goosuke has no runtime. */
  queue: JobQueue | undefined;
  fetch: typeof globalThis.fetch;
  /** Compares a message's runs, to pick the one a pull request is opened from. */
  runs: Pick<RunService, 'compare'>;
  /** Opens and updates pull requests (a `pull-request` template's task). */
  pullRequests: Pick<PullRequestService, 'create' | 'update'>;
}

/** Signed callbacks of actions that have a callback URL. */
export interface ActionCallbacks {
  /**
   * A run-ended listener (subscribe it with `RunService.onEnded`): once every run of the ended
   * run's message has ended and the task came from an action with a callback URL (or a
   * `pull-request` template), enqueues one job (exactly one, whichever process sees the last run
   * end).
   */
  onRunEnded(run: Run): Promise<void>;
  /**
   * The job types to register with the worker runtime: {@link actionCallbackJobType} delivers a
   * callback (a failed delivery is retried later as a new job, see {@link callbackRetryDelaysMs});
   * {@link actionPullRequestJobType} picks the best run (fewest model calls, then the smallest
   * diff) as the task's chosen run, opens the task's pull request from it or adds it to the open
   * one, then enqueues the callback, if any, so that it can name the pull request.
   */
  jobTypes: readonly JobTypeRegistration[];
}

function overallStatus(runs: readonly Run[]): CallbackStatus {
  if (runs.some((run) => run.status === 'succeeded')) return 'succeeded';
  if (runs.some((run) => run.status === 'failed')) return 'failed';
  return 'canceled';
}

/** Builds the callback machinery of actions. */
export function createActionCallbacks(context: ActionCallbackContext): ActionCallbacks {
  const { store } = context;

  async function enqueueOnce(type: string, id: string, payload: object, delayMs = 0): Promise<void> {
    if (context.queue === undefined) return;
    try {
      await context.queue.enqueue({ id, type, payload: { ...payload }, delayMs });
    } catch (error) {
      // Another process saw the last run end at the same time and enqueued it first.
      if (!(GoosukeError.isInstance(error) && error.code === 'conflict')) throw error;
    }
  }

  const enqueue = (payload: { actionId: string; messageId: string; attempt: number }): Promise<void> =>
    enqueueOnce(
      actionCallbackJobType,
      `${actionCallbackJobType}:${payload.messageId}:${payload.attempt}`,
      payload,
      payload.attempt === 1 ? 0 : callbackRetryDelaysMs[payload.attempt - 2]!,
    );

  async function log(
    runs: readonly Run[],
    level: 'info' | 'warn',
    message: string,
    data: object,
    tag = 'callback',
  ) {
    const first = runs[0];
    if (first === undefined) return;
    await store.runEvents.append({
      id: context.ids.next('event'),
      runId: first.id,
      type: 'run-log',
      level,
      message,
      data: { [tag]: true, ...data },
      createdAt: new Date(context.clock.now()).toISOString(),
    });
  }

  async function deliver(action: Action, messageId: string, attempt: number): Promise<void> {
    const url = action.callbackUrl;
    if (url === null) return;
    const runs = await collectPages((cursor) => store.runs.list({ messageId, limit: 500, cursor }));
    if (runs.length === 0 || !runs.every((run) => isTerminalRunStatus(run.status))) return;
    const task = await store.tasks.get(runs[0]!.taskId);
    if (task === null) return;
    const sealed = await store.actions.getWebhookSecret(action.id);
    if (sealed === null) {
      await log(
        runs,
        'warn',
        `callback to ${new URL(url).host} not sent: the action has no secret to sign it with`,
        {},
      );
      return;
    }
    const secret = await context.secretBox.open(sealed, webhookSecretContext(action.id));
    const pull = await findOpenPullRequest(store, task.id);
    const body: ActionCallbackBody = {
      event: 'task.completed',
      action: { id: action.id, name: action.name },
      task: { id: task.id, title: task.title },
      messageId,
      status: overallStatus(runs),
      runs: runs.map(({ id, status, summary, patch, filesChanged, error, usage }) => ({
        id,
        status,
        summary,
        patch,
        filesChanged,
        error,
        usage,
      })),
      pullRequest:
        pull === null
          ? null
          : { number: pull.number, url: pull.url, state: pull.state, branch: pull.branch, runId: pull.runId },
    };
    const bytes = new TextEncoder().encode(JSON.stringify(body));
    const signature = await signWebhook({
      secret,
      body: bytes,
      timestamp: Math.floor(context.clock.now() / 1000),
    });
    let failure: string | null = null;
    let final = false;
    try {
      const response = await context.fetch(url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Goosuke-Callback',
          'x-goosuke-event': 'task.completed',
          'x-goosuke-delivery': messageId,
          ...signature,
        },
        body: bytes,
        redirect: 'manual',
        signal: AbortSignal.timeout(deliveryTimeoutMs),
      });
      await response.body?.cancel().catch(() => undefined);
      if (!response.ok) {
        failure = `HTTP ${response.status}`;
        // Other 4xx answers say the request itself is refused: sending it again will not help.
        final = response.status >= 400 && response.status < 500 && ![408, 425, 429].includes(response.status);
      }
    } catch (error) {
      failure = error instanceof Error && error.name === 'TimeoutError' ? 'timed out' : 'connection failed';
    }
    const host = new URL(url).host;
    if (failure === null) {
      await log(runs, 'info', `callback delivered to ${host}`, { attempt });
      return;
    }
    const retry = !final && attempt <= callbackRetryDelaysMs.length;
    await log(
      runs,
      'warn',
      `callback to ${host} failed (${failure})${retry ? `; retrying in ${callbackRetryDelaysMs[attempt - 1]! / 1000} s` : '; given up'}`,
      { attempt },
    );
    if (retry) await enqueue({ actionId: action.id, messageId, attempt: attempt + 1 });
  }

  return {
    async onRunEnded(run) {
      const task = await store.tasks.get(run.taskId);
      if (task?.actionId == null) return;
      const action = await store.actions.get(task.actionId);
      if (action === null) return;
      const template = await store.templates.get(action.templateId);
      const opensPullRequest = template?.outputKind === 'pull-request' && task.repoId !== null;
      if (action.callbackUrl === null && !opensPullRequest) return;
      const runs = await collectPages((cursor) =>
        store.runs.list({ messageId: run.messageId, limit: 500, cursor }),
      );
      if (!runs.every((each) => isTerminalRunStatus(each.status))) return;
      if (opensPullRequest) {
        await enqueueOnce(actionPullRequestJobType, `${actionPullRequestJobType}:${run.messageId}`, {
          actionId: action.id,
          messageId: run.messageId,
        });
      } else {
        await enqueue({ actionId: action.id, messageId: run.messageId, attempt: 1 });
      }
    },

    jobTypes: [
      {
        type: actionCallbackJobType,
        async handle(job) {
          const payload = job.payload as { actionId?: unknown; messageId?: unknown; attempt?: unknown };
          if (typeof payload.actionId !== 'string' || typeof payload.messageId !== 'string') return;
          const action = await store.actions.get(payload.actionId);
          // The action (or its callback URL) was removed meanwhile: nobody to tell.
          if (action === null) return;
          await deliver(action, payload.messageId, typeof payload.attempt === 'number' ? payload.attempt : 1);
        },
      },
      {
        type: actionPullRequestJobType,
        async handle(job) {
          const payload = job.payload as { actionId?: unknown; messageId?: unknown };
          if (typeof payload.actionId !== 'string' || typeof payload.messageId !== 'string') return;
          const messageId = payload.messageId;
          const runs = await collectPages((cursor) => store.runs.list({ messageId, limit: 500, cursor }));
          const first = runs[0];
          if (first === undefined) return;
          const comparison = await context.runs.compare(messageId);
          const candidates = comparison.runs.map((entry) => ({
            entry,
            label: entry.model?.displayName ?? entry.runId,
            completedAt: runs.find((run) => run.id === entry.runId)?.completedAt ?? null,
          }));
          const tag = 'pullRequest';
          try {
            const pick = pickRun(candidates);
            const runId = pick.candidate.entry.runId;
            // The pick stands even when no pull request can be opened: follow-ups build on it.
            await store
              .transaction((tx) => chooseRun(tx, first.taskId, runId, isoNow(context.clock)))
              .catch(() => undefined);
            const open = await findOpenPullRequest(store, first.taskId);
            const pull =
              open === null
                ? await context.pullRequests.create(first.taskId, { runId, reason: pick.reason })
                : await context.pullRequests.update(first.taskId, { runId, reason: pick.reason }, open.id);
            await log(
              runs,
              'info',
              `pull request #${pull.number} ${open === null ? 'opened' : 'updated'} from ${pick.candidate.label}: ${pull.url}`,
              { number: pull.number, url: pull.url, runId },
              tag,
            );
          } catch (error) {
            const reason = error instanceof Error ? error.message : String(error);
            await log(runs, 'warn', `no pull request: ${reason}`, {}, tag);
          }
          const action = await store.actions.get(payload.actionId);
          if (action?.callbackUrl != null) await enqueue({ actionId: action.id, messageId, attempt: 1 });
        },
      },
    ],
  };
}
