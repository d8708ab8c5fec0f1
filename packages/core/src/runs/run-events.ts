import type { RunEvent, RunEventDataByType, RunEventType } from '../domain/index.ts';
import type { Clock } from '../ports/clock.ts';
import { isoNow } from '../ports/clock.ts';
import type { EventSink } from '../ports/event-sink.ts';
import type { IdGenerator } from '../ports/id-generator.ts';
import type { Store } from '../ports/store.ts';

/** A run event to record: its type, level, one-line message and the type's data. */
export type RunEventInput<Type extends RunEventType = RunEventType> = {
  [T in Type]: {
    type: T;
    level?: RunEvent['level'];
    message: string;
    data: RunEventDataByType[T];
  };
}[Type];

/** Receives every run event once it is stored. */
export type RunEventListener = (event: RunEvent) => void;

/**
 * Records run events: appends each to the store's event log (which numbers it) and then hands it
 * to the sinks and the subscribers. Listeners never fail a run: whatever they throw is dropped.
 */
export interface RunEventHub {
  /** Appends the event with `store` (pass a transaction's store to record it with other writes) and returns it. Deliver it with {@link RunEventHub.deliver} after commit. */
  append(store: Store, runId: string, event: RunEventInput): Promise<RunEvent>;
  /** Appends the event and delivers it at once. */
  record(runId: string, event: RunEventInput): Promise<RunEvent>;
  /** Hands stored events to the sinks and subscribers, in order. */
  deliver(events: readonly RunEvent[]): void;
  /** Calls `listener` with every event recorded from now on; returns the unsubscribe function. */
  subscribe(listener: RunEventListener): () => void;
}

/** Builds the event hub on the store, the clock, the id generator and the configured sinks. */
export function createRunEventHub(options: {
  store: Store;
  clock: Clock;
  ids: IdGenerator;
  sinks?: readonly EventSink[];
}): RunEventHub {
  const listeners = new Set<RunEventListener>();
  const sinks = options.sinks ?? [];

  const append = (store: Store, runId: string, event: RunEventInput): Promise<RunEvent> =>
    store.runEvents.append({
      id: options.ids.next('event'),
      runId,
      type: event.type,
      level: event.level ?? 'info',
      message: event.message,
      data: event.data as RunEvent['data'],
      createdAt: isoNow(options.clock),
    });

  const deliver = (events: readonly RunEvent[]): void => {
    for (const event of events) {
      for (const sink of sinks) {
        try {
          sink.publish(event);
        } catch {
          // A live view that fails must not fail the run; the event is in the log regardless.
        }
      }
      for (const listener of [...listeners]) {
        try {
          listener(event);
        } catch {
          // Same as sinks: subscribers are observers.
        }
      }
    }
  };

  return {
    append,
    deliver,
    async record(runId, event) {
      const stored = await append(options.store, runId, event);
      deliver([stored]);
      return stored;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}
