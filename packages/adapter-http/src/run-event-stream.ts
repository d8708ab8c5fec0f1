import {
  type Goosuke,
  InvalidInputError,
  isTerminalRunEventType,
  isTerminalRunStatus,
  type RunEvent,
} from '@goosuke/core';
import type { Request, Response } from 'express';

/** Where a run event stream starts and how it keeps the connection alive. */
export interface RunEventStreamOptions {
  runId: string;
  /** The `?after=` sequence; `Last-Event-ID` wins when both are given. */
  after: number | undefined;
  heartbeatMs: number;
}

function lastEventId(request: Request): number | undefined {
  const header = request.get('last-event-id');
  if (header === undefined || header.trim() === '') return undefined;
  if (!/^\d{1,15}$/.test(header.trim())) {
    throw new InvalidInputError('Last-Event-ID must be the sequence number of a run event', [
      { path: ['Last-Event-ID'], message: 'a non-negative integer' },
    ]);
  }
  return Number(header.trim());
}

function frame(event: RunEvent, id: string): string {
  // JSON.stringify escapes CR and LF, so the data stays on one SSE line.
  return `id: ${id}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

function openEventStream(response: Response): void {
  response.status(200);
  response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
  response.setHeader('Cache-Control', 'no-cache, no-transform');
  response.setHeader('X-Accel-Buffering', 'no');
  response.flushHeaders();
  response.write(': stream open\n\n');
}

function startHeartbeat(response: Response, heartbeatMs: number, ended: () => boolean) {
  const heartbeat = setInterval(() => {
    if (!ended()) response.write(': heartbeat\n\n');
  }, heartbeatMs);
  heartbeat.unref?.();
  return heartbeat;
}

const pageSize = 500;

/** Every stored event of a run after `afterSequence`, in sequence order. */
async function storedEvents(goosuke: Goosuke, runId: string, afterSequence: number): Promise<RunEvent[]> {
  const events: RunEvent[] = [];
  let last = afterSequence;
  for (;;) {
    const page = await goosuke.runs.events(runId, { afterSequence: last, limit: pageSize });
    events.push(...page);
    if (page.length < pageSize) return events;
    last = page[page.length - 1]!.sequence;
  }
}

/**
 * Streams a run's events as Server-Sent Events: the stored ones after the resume point, then
 * live ones from `goosuke.runs.subscribe`, without gaps or repeats (live events that arrive while
 * the stored ones are read are held and deduplicated by sequence). Ends after the terminal event
 * or when the client goes away. Heartbeat comments keep proxies from closing an idle stream. A
 * resume (`Last-Event-ID` or `after`) with nothing left after the run's terminal event is a 204.
 */
export async function streamRunEvents(
  goosuke: Goosuke,
  request: Request,
  response: Response,
  options: RunEventStreamOptions,
): Promise<void> {
  let last = lastEventId(request) ?? options.after ?? 0;
  let backlog: RunEvent[] | null = [];
  let ended = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  // Subscribing before reading the stored events is what guarantees no event falls between.
  const unsubscribe = goosuke.runs.subscribe((event) => {
    if (event.runId !== options.runId || ended) return;
    if (backlog !== null) backlog.push(event);
    else write(event);
  });

  function finish(): void {
    if (ended) return;
    ended = true;
    unsubscribe();
    if (heartbeat !== undefined) clearInterval(heartbeat);
    if (!response.writableEnded) response.end();
  }

  function write(event: RunEvent): void {
    if (ended || event.sequence <= last) return;
    last = event.sequence;
    response.write(frame(event, String(event.sequence)));
    if (isTerminalRunEventType(event.type)) finish();
  }

  request.on('close', finish);
  try {
    const resumed = lastEventId(request) !== undefined || options.after !== undefined;
    if (resumed && isTerminalRunStatus((await goosuke.runs.get(options.runId)).status)) {
      const rest = await goosuke.runs.events(options.runId, { afterSequence: last, limit: 1 });
      if (rest.length === 0) {
        // Resuming after the terminal event: 204 tells an EventSource to stop reconnecting.
        response.status(204);
        finish();
        return;
      }
    }
    openEventStream(response);
    for (;;) {
      const page = await goosuke.runs.events(options.runId, { afterSequence: last, limit: pageSize });
      for (const event of page) write(event);
      if (page.length < pageSize || ended) break;
    }
    const held = backlog;
    backlog = null;
    held.sort((a, b) => a.sequence - b.sequence);
    for (const event of held) write(event);
    if (!ended) heartbeat = startHeartbeat(response, options.heartbeatMs, () => ended);
  } catch (error) {
    finish();
    throw error;
  }
}

/** Where a task event stream starts and how it keeps the connection alive. */
export interface TaskEventStreamOptions {
  taskId: string;
  heartbeatMs: number;
}

/** A task stream's event id: `<runId>:<sequence>`. */
export interface TaskEventId {
  runId: string;
  sequence: number;
}

/** Parses a task stream's `Last-Event-ID` (`<runId>:<sequence>`); undefined when absent or blank. */
export function parseTaskEventId(header: string | undefined): TaskEventId | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const match = /^([A-Za-z0-9_-]{1,200}):(\d{1,15})$/.exec(header.trim());
  if (!match) {
    throw new InvalidInputError('Last-Event-ID must be the id of a task event, <runId>:<sequence>', [
      { path: ['Last-Event-ID'], message: 'a run id, a colon and a sequence number' },
    ]);
  }
  return { runId: match[1]!, sequence: Number(match[2]) };
}

// The order events of several runs are sent in: by time, ties by run id, then by sequence.
function compareEvents(a: RunEvent, b: RunEvent): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? -1 : 1;
  if (a.runId !== b.runId) return a.runId < b.runId ? -1 : 1;
  return a.sequence - b.sequence;
}

/**
 * Streams the events of every run of a task as Server-Sent Events: the stored events of all its
 * runs first, ordered by time (ties by run id, then sequence), then live ones from
 * `goosuke.runs.subscribe`, including those of runs created after the stream opened. Each
 * event's id is `<runId>:<sequence>`; with `Last-Event-ID` in that form the stream resumes after
 * that event in the stored order (exact for the named run; for the other runs, their events up
 * to that point in the order are taken as delivered). Nothing is repeated per run. It never ends
 * by itself: heartbeat comments keep it open until the client disconnects.
 */
export async function streamTaskEvents(
  goosuke: Goosuke,
  request: Request,
  response: Response,
  options: TaskEventStreamOptions,
): Promise<void> {
  const resume = parseTaskEventId(request.get('last-event-id'));
  const lastByRun = new Map<string, number>();
  const runOfTask = new Map<string, boolean>();
  let backlog: RunEvent[] | null = [];
  let ended = false;
  let heartbeat: ReturnType<typeof setInterval> | undefined;
  // Live events go through one chain, so that looking up an unknown run keeps their order.
  let chain = Promise.resolve();
  // Subscribing before reading the stored events is what guarantees no event falls between.
  const unsubscribe = goosuke.runs.subscribe((event) => {
    if (ended) return;
    if (backlog !== null) backlog.push(event);
    else chain = chain.then(() => live(event)).catch(finish);
  });

  function finish(): void {
    if (ended) return;
    ended = true;
    unsubscribe();
    if (heartbeat !== undefined) clearInterval(heartbeat);
    if (response.headersSent && !response.writableEnded) response.end();
  }

  function write(event: RunEvent): void {
    if (ended || event.sequence <= (lastByRun.get(event.runId) ?? 0)) return;
    lastByRun.set(event.runId, event.sequence);
    response.write(frame(event, `${event.runId}:${event.sequence}`));
  }

  async function belongs(runId: string): Promise<boolean> {
    const known = runOfTask.get(runId);
    if (known !== undefined) return known;
    const run = await goosuke.runs.get(runId).catch(() => null);
    const result = run?.taskId === options.taskId;
    runOfTask.set(runId, result);
    return result;
  }

  async function live(event: RunEvent): Promise<void> {
    if (!ended && (await belongs(event.runId))) write(event);
  }

  response.on('close', finish);
  try {
    const stored: RunEvent[] = [];
    let cursor: string | undefined;
    do {
      const page = await goosuke.runs.list({
        taskId: options.taskId,
        limit: pageSize,
        ...(cursor === undefined ? {} : { cursor }),
      });
      for (const run of page.items) {
        runOfTask.set(run.id, true);
        stored.push(...(await storedEvents(goosuke, run.id, 0)));
      }
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined && !ended);
    stored.sort(compareEvents);
    let from = 0;
    if (resume !== undefined) {
      const index = stored.findIndex(
        (event) => event.runId === resume.runId && event.sequence === resume.sequence,
      );
      if (index < 0) {
        throw new InvalidInputError('Last-Event-ID names no event of this task', [
          { path: ['Last-Event-ID'], message: 'an id sent by this stream' },
        ]);
      }
      for (const event of stored.slice(0, index + 1)) lastByRun.set(event.runId, event.sequence);
      from = index + 1;
    }
    // The client may have gone away while the stored events were read.
    if (ended) return;
    // Validation is over: from here on the client gets the stream, not a problem document.
    openEventStream(response);
    for (const event of stored.slice(from)) write(event);
    const held = backlog;
    backlog = null;
    held.sort(compareEvents);
    for (const event of held) chain = chain.then(() => live(event)).catch(finish);
    await chain;
    if (!ended) heartbeat = startHeartbeat(response, options.heartbeatMs, () => ended);
  } catch (error) {
    const streaming = response.headersSent;
    finish();
    if (!streaming) throw error;
  }
}
