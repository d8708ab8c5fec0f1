import { Cron } from 'croner';
import { InvalidInputError } from '../errors/index.ts';

/**
 * A validated cron expression bound to an IANA time zone. Immutable (frozen). Build it with
 * {@link parseCron}; {@link nextCronTime} and {@link lastCronTimeBetween} compute its fire times.
 */
export interface CronSchedule {
  /** The expression as given (trimmed), macros such as `@daily` included. */
  readonly expression: string;
  /** The IANA time zone whose wall clock the fields are read in, as given. */
  readonly timeZone: string;
}

const fieldNames = ['minute', 'hour', 'day-of-month', 'month', 'day-of-week'] as const;
const fieldRanges: Readonly<Record<(typeof fieldNames)[number], string>> = {
  minute: '0-59',
  hour: '0-23',
  'day-of-month': '1-31',
  month: '1-12 or JAN-DEC',
  'day-of-week': '0-7 or SUN-SAT (0 and 7 are Sunday)',
};
// croner's names for the fields in its messages.
const cronerFields: Readonly<Record<string, number>> = { minute: 0, hour: 1, day: 2, month: 3, dayOfWeek: 4 };

// The croner instance of each schedule: parsed once, never exposed (it could also run timers).
const crons = new WeakMap<CronSchedule, Cron>();

// "Never fires" is decided from a fixed instant, so that parsing does not read the clock; croner
// searches far enough ahead that a valid expression (at worst Feb 29 on a given weekday, every
// 28 years) is always found.
const neverFiresProbe = new Date('2000-01-01T00:00:00Z');

/**
 * Parses a 5-field cron expression (minute hour day-of-month month day-of-week) read on the wall
 * clock of `timeZone` (an IANA name, default `'UTC'`), with croner.
 *
 * Syntax: `*`, numbers, ranges `a-b`, steps `*\/n`, `a-b/n` and `a/n` (= `a-max/n`), lists
 * `a,b,c`, month names JAN-DEC and weekday names SUN-SAT (case-insensitive), day-of-week 0-7 (0
 * and 7 are Sunday), the macros `@yearly @annually @monthly @weekly @daily @midnight @hourly`, and
 * croner's extensions: `?` (= `*`), `L` (last day of the month, or `FRI#L` the last Friday), `W`
 * (`15W`, the weekday nearest the 15th) and `#` (`MON#1`, the first Monday).
 * Vixie-cron day rule: when neither day field starts with `*`, a day matches if EITHER the
 * day-of-month or the day-of-week matches; otherwise both must (so `*\/2` counts as `*` here,
 * exactly as in Vixie cron and cronie; a leading `+` on the day-of-week also asks for both).
 *
 * Daylight saving (Vixie cron's rule, as croner implements it with `fixedTimeRule: 'no-wildcard'`):
 * - A **fixed-time** schedule, whose minute and hour fields have no `*`, `?` or step (lists and
 *   ranges allowed: `30 2 * * *`, `0 9,17 * * *`), keeps its wall-clock times once a day: a time
 *   inside a spring-forward gap fires once at the first instant after the gap (02:30
 *   America/New_York on the spring-forward day fires at 03:00 EDT; 02:30 Europe/Berlin at 03:00
 *   CEST); a time that occurs twice in a fall-back fires once, at its first occurrence.
 * - An **interval** schedule (a `*`, `?` or step in the minute or hour: `*\/15 * * * *`,
 *   `0 * * * *`) follows real time: wall times inside a gap do not exist and are skipped, and the
 *   repeated hour of a fall-back fires again, so "every 15 minutes" stays every 15 minutes.
 *
 * @throws InvalidInputError naming the field at fault, e.g.
 *   `invalid cron expression "61 * * * *": minute field "61" has a value out of range 0-59`; for
 *   an unknown time zone; and for a schedule that can never fire, such as `0 0 30 2 *`.
 */
export function parseCron(expression: string, timeZone = 'UTC'): CronSchedule {
  if (typeof expression !== 'string') {
    throw new InvalidInputError('invalid cron expression: expected a string', [
      { path: ['expression'], message: 'expected a string' },
    ]);
  }
  checkTimeZone(timeZone);
  const trimmed = expression.trim();
  const refuse = (reason: string): InvalidInputError =>
    new InvalidInputError(`invalid cron expression ${JSON.stringify(trimmed)}: ${reason}`, [
      { path: ['expression'], message: reason },
    ]);
  if (trimmed === '') throw refuse('the expression is empty');
  const fields = trimmed.startsWith('@') ? null : trimmed.split(/\s+/);
  // croner would also accept 6 and 7 fields (seconds, years) and says so when counting.
  if (fields !== null && fields.length !== 5) {
    throw refuse(`expected 5 fields (minute hour day-of-month month day-of-week), got ${fields.length}`);
  }
  let cron: Cron;
  try {
    cron = new Cron(trimmed, {
      timezone: timeZone,
      mode: '5-part',
      // Accepts `a/n` (= `a-max/n`), as Goosuke always has; stored schedules may use it.
      sloppyRanges: true,
      fixedTimeRule: 'no-wildcard',
      // croner ORs the day fields unless one is exactly `*`; Vixie ANDs them as soon as one
      // starts with `*` (`*/2`), and Goosuke keeps the Vixie rule.
      domAndDow: fields !== null && (isStarred(fields[2]) || isStarred(fields[4])),
    });
  } catch (error) {
    throw refuse(explain(error, fields));
  }
  if (cron.nextRun(neverFiresProbe) === null) throw refuse('never fires: no date matches all its fields');
  const schedule: CronSchedule = Object.freeze({ expression: trimmed, timeZone });
  crons.set(schedule, cron);
  return schedule;
}

function isStarred(field: string | undefined): boolean {
  return field?.startsWith('*') === true || field?.startsWith('?') === true;
}

/** croner's reason in Goosuke's words where croner names its internal values. */
function explain(error: unknown, fields: readonly string[] | null): string {
  const reason = (error instanceof Error ? error.message : String(error)).replace(/^CronPattern: /, '');
  const describe = (index: number, problem: string): string | null => {
    const name = fieldNames[index];
    const text = fields?.[index];
    return name === undefined || text === undefined
      ? null
      : `${name} field ${JSON.stringify(text)} ${problem} ${fieldRanges[name]}`;
  };
  // croner reports day and month values 0-based ("day: 31" for 32), so only the field is named.
  const outOfRange = /^Invalid value for (\w+)/.exec(reason);
  if (outOfRange !== null) {
    const described = describe(cronerFields[outOfRange[1] ?? ''] ?? -1, 'has a value out of range');
    if (described !== null) return described;
  }
  const illegal = /^configuration entry (\d) \(.*\) contains illegal characters/.exec(reason);
  if (illegal !== null) {
    const described = describe(Number(illegal[1]) - 1, 'is not a number, name, *, list, range or step in');
    if (described !== null) return described;
  }
  return reason;
}

function checkTimeZone(timeZone: unknown): asserts timeZone is string {
  let problem: string | undefined;
  if (typeof timeZone !== 'string' || timeZone.trim() === '') {
    problem = 'expected a non-empty IANA time zone name';
  } else {
    try {
      new Intl.DateTimeFormat(undefined, { timeZone });
    } catch {
      problem = 'not a known IANA time zone';
    }
  }
  if (problem !== undefined) {
    throw new InvalidInputError(`invalid cron time zone ${JSON.stringify(timeZone)}: ${problem}`, [
      { path: ['timeZone'], message: problem },
    ]);
  }
}

function cronOf(schedule: CronSchedule): Cron {
  const cron = crons.get(schedule);
  if (cron === undefined) {
    throw new InvalidInputError('not a schedule made by parseCron', [
      { path: ['schedule'], message: 'use parseCron' },
    ]);
  }
  return cron;
}

/**
 * The first fire time strictly after `after`, as a UTC instant (seconds and milliseconds 0 except
 * in zones whose offset has seconds). Fields are matched on the wall clock of the schedule's zone,
 * with the daylight-saving rule of {@link parseCron}.
 *
 * @throws InvalidInputError if `after` is not a valid Date, or nothing fires after it.
 */
export function nextCronTime(schedule: CronSchedule, after: Date): Date {
  const afterMs = instantOf(after, 'after');
  const next = cronOf(schedule).nextRun(new Date(afterMs));
  if (next === null) {
    throw new InvalidInputError(
      `cron expression ${JSON.stringify(schedule.expression)} does not fire after ${after.toISOString()}`,
    );
  }
  return next;
}

/**
 * The most recent fire time `t` with `since < t <= at`, or `null` if the schedule did not fire in
 * that window; used to detect a tick missed during downtime (a missed tick runs once, however many
 * were missed). Same wall-clock and daylight-saving rule as {@link nextCronTime}; searches
 * backwards from `at`, so a long window costs no more than a short one.
 *
 * @throws InvalidInputError if `since` or `at` is not a valid Date.
 */
export function lastCronTimeBetween(schedule: CronSchedule, since: Date, at: Date): Date | null {
  const sinceMs = instantOf(since, 'since');
  const atMs = instantOf(at, 'at');
  if (atMs <= sinceMs) return null;
  // croner's previous runs are those before the reference; one millisecond on makes `at` inclusive.
  const [latest] = cronOf(schedule).previousRuns(1, new Date(atMs + 1));
  return latest !== undefined && latest.getTime() > sinceMs ? latest : null;
}

function instantOf(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(ms))
    throw new InvalidInputError(`${name} must be a valid Date`, [{ path: [name], message: 'invalid Date' }]);
  return ms;
}
