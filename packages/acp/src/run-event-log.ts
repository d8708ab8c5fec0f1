import type { AgentInput, JsonValue } from '@goosuke/core';
import { redactSecrets } from '@goosuke/core/implementing';

/** A `run-log` event's fields, as {@link RunEventLog.log} takes them. */
export interface LogEntry {
  level: 'debug' | 'info' | 'warn';
  message: string;
  data: { [key: string]: JsonValue };
}

/**
 * The run's events in arrival order. ACP handlers run concurrently (the SDK does not wait for
 * one notification's handler before the next), so emits are chained here to keep the order the
 * agent sent. An emit that fails does not stop later ones; the first failure is rethrown by
 * {@link RunEventLog.settle}, so a broken event sink still fails the run.
 */
export class RunEventLog {
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;

  /** `secrets`: values replaced by `***` wherever they appear in an event (see `secretsOf`). */
  constructor(
    private readonly emit: AgentInput['emit'],
    private readonly secrets: readonly string[] = [],
  ) {}

  /** `text` with every secret replaced. */
  redact(text: string): string {
    return redactSecrets(text, this.secrets);
  }

  /** Queues one `run-log` event. */
  log(entry: LogEntry): void {
    const message = this.redact(entry.message);
    const data = redactJson(entry.data, (text) => this.redact(text)) as LogEntry['data'];
    this.chain = this.chain
      .then(() => this.emit({ type: 'run-log', level: entry.level, message, data }))
      .catch((error: unknown) => {
        this.failure ??= { error };
      });
  }

  /** Waits for every queued event; rethrows the first emit failure. */
  async settle(): Promise<void> {
    await this.chain;
    if (this.failure !== null) throw this.failure.error;
  }
}

/** Cuts text for a one-line event message. */
export function clip(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length <= max ? flat : `${flat.slice(0, max - 1)}…`;
}

/** `value` with `redact` applied to every string in it (keys are Goosuke's own, left as they are). */
function redactJson(value: JsonValue, redact: (text: string) => string): JsonValue {
  if (typeof value === 'string') return redact(value);
  if (Array.isArray(value)) return value.map((item) => redactJson(item, redact));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, redactJson(item, redact)]));
  }
  return value;
}
