import type { Action } from '../domain/index.ts';
import type { Clock } from '../ports/clock.ts';
import { collectPages, type Store } from '../ports/store.ts';
import { parseActionConfig } from '../triggers/action-config.ts';
import { type CronSchedule, lastCronTimeBetween, nextCronTime, parseCron } from '../triggers/cron.ts';
import type { ActionService } from './action-service.ts';

/** Options of {@link startActionScheduler}. */
export interface ActionSchedulerOptions {
  /** Longest wait between two looks at the stored schedules, so new and edited ones are seen. Default 60 s. */
  maxWaitMs?: number;
  /** How far back a tick missed during downtime is still made up for. Default 400 days. */
  catchUpMs?: number;
  /** Told about a tick that could not start (no model, a deleted template …); it is tried again at the next look. */
  onError?: (action: Action, error: unknown) => void;
  /** Told about each tick that started a task. */
  onFired?: (action: Action, tick: Date, taskId: string) => void;
}

/** A running scheduler. */
export interface ActionScheduler {
  /** Looks at every enabled schedule action now and fires what is due; resolves with how many started a task. */
  tick(): Promise<number>;
  /** Stops the timer and waits for a look in progress. Idempotent. */
  stop(): Promise<void>;
}

/**
 * Fires `schedule` actions. At each look, for every enabled schedule action, the latest tick of
 * its cron expression (in its time zone) that lies after the action was last changed and not in
 * the future is due. It fires with the idempotency key `tick:<ISO time>`, so a tick starts one
 * task whichever process and however many looks see it, and a tick missed while no scheduler
 * ran fires once when one starts again (older missed ticks are not made up for: a schedule
 * that was down for a day runs once, not 24 times). Between looks the scheduler sleeps until
 * the next tick of any schedule, at most `maxWaitMs`.
 */
export function startActionScheduler(
  context: { store: Store; clock: Clock; actions: Pick<ActionService, 'trigger'> },
  options: ActionSchedulerOptions = {},
): ActionScheduler {
  const { store, clock } = context;
  const maxWaitMs = options.maxWaitMs ?? 60_000;
  const catchUpMs = options.catchUpMs ?? 400 * 24 * 3_600_000;
  // Ticks that failed to start, so that a broken action is not retried in a tight loop.
  const failed = new Map<string, number>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let stopped = false;
  let running: Promise<number> = Promise.resolve(0);

  const scheduleOf = (action: Action): CronSchedule | null => {
    try {
      const config = parseActionConfig('schedule', action.config);
      return parseCron(config.cron, config.timeZone);
    } catch (error) {
      options.onError?.(action, error);
      return null;
    }
  };

  async function look(): Promise<{ fired: number; nextMs: number }> {
    const now = clock.now();
    const actions = (
      await collectPages((cursor) => store.actions.list({ enabled: true, limit: 500, cursor }))
    ).filter((action) => action.trigger === 'schedule');
    let fired = 0;
    let next = now + maxWaitMs;
    for (const action of actions) {
      const schedule = scheduleOf(action);
      if (schedule === null) continue;
      const since = Math.max(Date.parse(action.updatedAt), now - catchUpMs);
      const due = lastCronTimeBetween(schedule, new Date(since), new Date(now));
      const failureKey = `${action.id}@${due?.toISOString()}`;
      if (due !== null && !failed.has(failureKey)) {
        try {
          const config = parseActionConfig('schedule', action.config);
          const triggered = await context.actions.trigger(action.id, {
            parameters: config.parameters,
            idempotencyKey: `tick:${due.toISOString()}`,
            title: `${action.name} (${due.toISOString()})`,
          });
          if (triggered.created) {
            fired++;
            options.onFired?.(action, due, triggered.task.id);
          }
        } catch (error) {
          failed.set(failureKey, now);
          options.onError?.(action, error);
        }
      }
      next = Math.min(next, nextCronTime(schedule, new Date(now)).getTime());
    }
    // Forget failures of ticks long past.
    for (const [key, at] of failed) if (at < now - catchUpMs) failed.delete(key);
    return { fired, nextMs: Math.max(0, next - now) };
  }

  /** Looks one after another: a timer's look and an explicit `tick()` never overlap. */
  const queueLook = (): Promise<{ fired: number; nextMs: number }> => {
    const next = running.catch(() => 0).then(look);
    running = next.then(
      (result) => result.fired,
      () => 0,
    );
    return next;
  };

  const arm = (delayMs: number): void => {
    if (stopped) return;
    timer = setTimeout(() => {
      queueLook().then(
        (result) => arm(result.nextMs + 50),
        () => arm(maxWaitMs),
      );
    }, delayMs);
    // A scheduler alone never keeps the process alive.
    (timer as { unref?: () => void }).unref?.();
  };
  arm(0);

  return {
    async tick() {
      return (await queueLook()).fired;
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running.catch(() => 0);
    },
  };
}
