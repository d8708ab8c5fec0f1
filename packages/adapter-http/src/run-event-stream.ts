import { type Goosuke, InvalidInputError, isTerminalRunEventType, type RunEvent } from '@goosuke/core';
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

function frame(event: RunEvent): string {
  // JSON.stringify escapes CR and LF, so the data stays on one SSE line.
  return `id: ${event.sequence}\nevent: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

/**
 * Streams a run's events as Server-Sent Events: the stored ones after the resume point, then
 * live ones from `goosuke.runs.subscribe`, without gaps or repeats (live events that arrive while
 * the stored ones are read are held and deduplicated by sequence). Ends after the terminal event
 * or when the client goes away. Heartbeat comments keep proxies from closing an idle stream.
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
    response.write(frame(event));
    if (isTerminalRunEventType(event.type)) finish();
  }

  request.on('close', finish);
  try {
    response.status(200);
    response.setHeader('Content-Type', 'text/event-stream; charset=utf-8');
    response.setHeader('Cache-Control', 'no-cache, no-transform');
    response.setHeader('X-Accel-Buffering', 'no');
    response.flushHeaders();
    response.write(': stream open\n\n');
    const pageSize = 500;
    for (;;) {
      const page = await goosuke.runs.events(options.runId, { afterSequence: last, limit: pageSize });
      for (const event of page) write(event);
      if (page.length < pageSize || ended) break;
    }
    const held = backlog;
    backlog = null;
    held.sort((a, b) => a.sequence - b.sequence);
    for (const event of held) write(event);
    if (!ended) {
      heartbeat = setInterval(() => {
        if (!ended) response.write(': heartbeat\n\n');
      }, options.heartbeatMs);
      heartbeat.unref?.();
    }
  } catch (error) {
    finish();
    throw error;
  }
}
