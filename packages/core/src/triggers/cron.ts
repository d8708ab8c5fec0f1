import { InvalidInputError } from '../errors/index.ts';

/**
 * A parsed cron expression (5 fields: minute hour day-of-month month day-of-week) bound to an
 * IANA time zone. Immutable (frozen, with frozen arrays). Build it with {@link parseCron}; the
 * value sets are exposed for display and debugging, and {@link nextCronTime} /
 * {@link lastCronTimeBetween} read only these fields.
 */
export interface CronSchedule {
  /** The expression as given (trimmed), macros such as `@daily` included. */
  readonly expression: string;
  /** The IANA time zone whose wall clock the fields are read in, as given. */
  readonly timeZone: string;
  /** Allowed minutes, 0-59, ascending. */
  readonly minutes: readonly number[];
  /** Allowed hours, 0-23, ascending. */
  readonly hours: readonly number[];
  /** Allowed days of the month, 1-31, ascending. */
  readonly daysOfMonth: readonly number[];
  /** Allowed months, 1-12, ascending. */
  readonly months: readonly number[];
  /** Allowed weekdays, 0-6 with 0 = Sunday (7 in the expression is folded into 0), ascending. */
  readonly daysOfWeek: readonly number[];
  /**
   * Whether the day-of-month field starts with `*` (Vixie cron's DOM_STAR). Only when neither day
   * field starts with `*` does a day match if EITHER day field matches; otherwise both must.
   */
  readonly dayOfMonthStar: boolean;
  /** Whether the day-of-week field starts with `*` (Vixie cron's DOW_STAR); see `dayOfMonthStar`. */
  readonly dayOfWeekStar: boolean;
}

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** Names accepted for values, index = value - nameOffset. */
  readonly names?: readonly string[];
  readonly nameOffset?: number;
}

const minuteField: FieldSpec = { name: 'minute', min: 0, max: 59 };
const hourField: FieldSpec = { name: 'hour', min: 0, max: 23 };
const dayOfMonthField: FieldSpec = { name: 'day-of-month', min: 1, max: 31 };
const monthField: FieldSpec = {
  name: 'month',
  min: 1,
  max: 12,
  names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  nameOffset: 1,
};
const dayOfWeekField: FieldSpec = {
  name: 'day-of-week',
  min: 0,
  max: 7,
  names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'],
  nameOffset: 0,
};

const macros: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

// The longest each month can be in any year; a day-of-month beyond it never fires in that month.
const maxDaysInMonth = [0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

const MINUTE = 60_000;
const DAY = 86_400_000;
// Every valid schedule fires within 400 years (the Gregorian cycle); the bound only stops a loop
// that could otherwise run to the end of the Date range.
const searchYears = 400;

class CronSyntaxError extends Error {}

/**
 * Parses a 5-field cron expression (minute hour day-of-month month day-of-week) read on the wall
 * clock of `timeZone` (an IANA name, default `'UTC'`).
 *
 * Supports `*`, numbers, ranges `a-b`, steps `*\/n`, `a-b/n` and `a/n` (= `a-max/n`), lists
 * `a,b,c`, month names JAN-DEC and weekday names SUN-SAT (case-insensitive), day-of-week 0-7 (0
 * and 7 are Sunday) and the macros `@yearly @annually @monthly @weekly @daily @midnight @hourly`.
 * Vixie-cron day rule: when neither day field starts with `*`, a day matches if EITHER the
 * day-of-month or the day-of-week matches; otherwise both must (so `*\/2` counts as `*` here,
 * exactly as in Vixie cron and cronie).
 *
 * @throws InvalidInputError naming the field and value at fault, e.g.
 *   `invalid cron expression "61 * * * *": minute 61 is out of range 0-59`; for an unknown time
 *   zone; and for a schedule that can never fire, such as `0 0 30 2 *`.
 */
export function parseCron(expression: string, timeZone = 'UTC'): CronSchedule {
  if (typeof expression !== 'string') {
    throw new InvalidInputError('invalid cron expression: expected a string', [
      { path: ['expression'], message: 'expected a string' },
    ]);
  }
  checkTimeZone(timeZone);
  const trimmed = expression.trim();
  try {
    return Object.freeze(buildSchedule(trimmed, timeZone));
  } catch (error) {
    if (!(error instanceof CronSyntaxError)) throw error;
    throw new InvalidInputError(`invalid cron expression ${JSON.stringify(trimmed)}: ${error.message}`, [
      { path: ['expression'], message: error.message },
    ]);
  }
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

function buildSchedule(expression: string, timeZone: string): CronSchedule {
  if (expression === '') throw new CronSyntaxError('the expression is empty');
  let body = expression;
  if (expression.startsWith('@')) {
    const expanded = macros[expression.toLowerCase()];
    if (expanded === undefined) {
      throw new CronSyntaxError(
        `unknown macro ${JSON.stringify(expression)} (expected one of ${Object.keys(macros).join(' ')})`,
      );
    }
    body = expanded;
  }
  const parts = body.split(/\s+/);
  if (parts.length !== 5) {
    throw new CronSyntaxError(
      `expected 5 fields (minute hour day-of-month month day-of-week), got ${parts.length}`,
    );
  }
  const [minuteText, hourText, domText, monthText, dowText] = parts as [
    string,
    string,
    string,
    string,
    string,
  ];
  const minutes = parseField(minuteText, minuteField);
  const hours = parseField(hourText, hourField);
  const daysOfMonth = parseField(domText, dayOfMonthField);
  const months = parseField(monthText, monthField);
  const daysOfWeek = [...new Set(parseField(dowText, dayOfWeekField).map((day) => day % 7))].sort(
    (a, b) => a - b,
  );
  const dayOfMonthStar = domText.startsWith('*');
  const dayOfWeekStar = dowText.startsWith('*');
  // In OR mode every weekday occurs in every month, so the schedule fires. In AND mode each
  // (month, day) pair falls on every weekday at some point in the 400-year cycle, so it fires iff
  // some selected day exists in some selected month.
  if (dayOfMonthStar || dayOfWeekStar) {
    const possible = months.some((month) => daysOfMonth.some((day) => day <= (maxDaysInMonth[month] ?? 0)));
    if (!possible) {
      throw new CronSyntaxError(
        `never fires: day-of-month ${JSON.stringify(domText)} does not occur in month ${JSON.stringify(monthText)}`,
      );
    }
  }
  return {
    expression,
    timeZone,
    minutes: Object.freeze(minutes),
    hours: Object.freeze(hours),
    daysOfMonth: Object.freeze(daysOfMonth),
    months: Object.freeze(months),
    daysOfWeek: Object.freeze(daysOfWeek),
    dayOfMonthStar,
    dayOfWeekStar,
  };
}

function parseField(text: string, spec: FieldSpec): number[] {
  const values = new Set<number>();
  for (const item of text.split(',')) {
    if (item === '')
      throw new CronSyntaxError(`${spec.name} field ${JSON.stringify(text)} has an empty list item`);
    const slashParts = item.split('/');
    if (slashParts.length > 2) {
      throw new CronSyntaxError(`${spec.name} item ${JSON.stringify(item)} has more than one "/"`);
    }
    const [rangeText = '', stepText] = slashParts;
    let start: number;
    let end: number;
    if (rangeText === '*') {
      start = spec.min;
      end = spec.max;
    } else if (rangeText.includes('-')) {
      const bounds = rangeText.split('-');
      if (bounds.length !== 2 || bounds[0] === '' || bounds[1] === '') {
        throw new CronSyntaxError(
          `${spec.name} range ${JSON.stringify(rangeText)} is malformed (expected a-b)`,
        );
      }
      start = parseValue(bounds[0] ?? '', spec);
      end = parseValue(bounds[1] ?? '', spec);
      if (start > end) {
        throw new CronSyntaxError(
          `${spec.name} range ${rangeText} is reversed (${bounds[0]} is after ${bounds[1]}); write the smaller bound first`,
        );
      }
    } else {
      start = parseValue(rangeText, spec);
      // `a/n` is Vixie shorthand for `a-max/n`.
      end = stepText === undefined ? start : spec.max;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText)) {
        throw new CronSyntaxError(`${spec.name} step ${JSON.stringify(stepText)} is not a positive integer`);
      }
      step = Number(stepText);
      if (step === 0) throw new CronSyntaxError(`${spec.name} step 0 is not allowed (must be at least 1)`);
    }
    for (let value = start; value <= end; value += step) values.add(value);
  }
  return [...values].sort((a, b) => a - b);
}

function parseValue(token: string, spec: FieldSpec): number {
  if (/^\d+$/.test(token)) {
    const value = Number(token);
    if (value < spec.min || value > spec.max) {
      throw new CronSyntaxError(`${spec.name} ${token} is out of range ${spec.min}-${spec.max}`);
    }
    return value;
  }
  if (/^[a-z]+$/i.test(token)) {
    if (spec.names === undefined) {
      throw new CronSyntaxError(`${spec.name} value ${JSON.stringify(token)} is not a number`);
    }
    const index = spec.names.indexOf(token.toUpperCase());
    if (index < 0) {
      throw new CronSyntaxError(
        `${spec.name} name ${JSON.stringify(token)} is unknown (expected ${spec.names.join(', ')})`,
      );
    }
    return index + (spec.nameOffset ?? 0);
  }
  throw new CronSyntaxError(
    `${spec.name} value ${JSON.stringify(token)} is not a number${spec.names === undefined ? '' : ' or name'}`,
  );
}

/** Boolean lookup tables for one schedule; derived once and cached per schedule object. */
interface Tables {
  readonly minute: readonly boolean[];
  readonly hour: readonly boolean[];
  readonly dayOfMonth: readonly boolean[];
  readonly month: readonly boolean[];
  readonly dayOfWeek: readonly boolean[];
  /** AND mode (either day field starts with `*`) versus Vixie OR mode. */
  readonly bothDays: boolean;
}

const tablesCache = new WeakMap<CronSchedule, Tables>();

function tablesOf(schedule: CronSchedule): Tables {
  let tables = tablesCache.get(schedule);
  if (tables === undefined) {
    const table = (values: readonly number[], size: number) => {
      const result = new Array<boolean>(size).fill(false);
      for (const value of values) result[value] = true;
      return result;
    };
    tables = {
      minute: table(schedule.minutes, 60),
      hour: table(schedule.hours, 24),
      dayOfMonth: table(schedule.daysOfMonth, 32),
      month: table(schedule.months, 13),
      dayOfWeek: table(schedule.daysOfWeek, 7),
      bothDays: schedule.dayOfMonthStar || schedule.dayOfWeekStar,
    };
    tablesCache.set(schedule, tables);
  }
  return tables;
}

/**
 * The first fire time strictly after `after`, as a UTC instant (seconds and milliseconds 0 except
 * in zones whose offset has seconds).
 *
 * Fields are matched on the wall clock of the schedule's zone. A matching wall time that does not
 * exist (DST spring-forward gap) fires once, at the first instant after the gap (like cronie: 02:30
 * America/New_York on the spring-forward day fires at 03:00 local; several skipped times collapse
 * into that one fire). A wall time that occurs twice (fall-back overlap) fires only at its first
 * occurrence. The search skips by month, day, hour and minute, never scanning minute by minute.
 *
 * @throws InvalidInputError if `after` is not a valid Date, or nothing fires within 400 years of it.
 */
export function nextCronTime(schedule: CronSchedule, after: Date): Date {
  const afterMs = instantOf(after, 'after');
  const tables = tablesOf(schedule);
  const zone = schedule.timeZone;
  let wall = floorMinute(wallOf(zone, afterMs));
  // Walls map to instants monotonically, so the first matching wall whose instant lies after
  // `after` is the answer. Walls before wall(after) cannot qualify; walls from it on may still map
  // to instants at or before `after` (the first pass of an overlap), hence the loop; it runs at most
  // about an overlap's worth of matching minutes.
  for (;;) {
    const candidate = nextMatchingWall(tables, wall);
    if (candidate === null) {
      throw new InvalidInputError(
        `cron expression ${JSON.stringify(schedule.expression)} does not fire within ${searchYears} years after ${after.toISOString()}`,
      );
    }
    const instant = instantOfWall(zone, candidate);
    if (instant > afterMs) return new Date(instant);
    wall = candidate + MINUTE;
  }
}

/**
 * The most recent fire time `t` with `since < t <= at`, or `null` if the schedule did not fire in
 * that window; used to detect a tick missed during downtime (a missed tick runs once, however many
 * were missed). Same wall-clock and DST semantics as {@link nextCronTime}; searches backwards from
 * `at`, so a long window costs no more than a short one.
 *
 * @throws InvalidInputError if `since` or `at` is not a valid Date.
 */
export function lastCronTimeBetween(schedule: CronSchedule, since: Date, at: Date): Date | null {
  const sinceMs = instantOf(since, 'since');
  const atMs = instantOf(at, 'at');
  if (atMs <= sinceMs) return null;
  const tables = tablesOf(schedule);
  const zone = schedule.timeZone;
  // After a fall-back the wall clock reads lower than it did before, so the latest wall time seen
  // at or before `at` may exceed wall(at); the larger offset of the last day bounds it.
  const highestOffset = Math.max(offsetAt(zone, atMs), offsetAt(zone, atMs - DAY));
  let wall = floorMinute(truncateSecond(atMs) + highestOffset);
  // Any wall time this far before wall(since) maps to an instant at or before `since`.
  const lowestWall = floorMinute(wallOf(zone, sinceMs)) - DAY;
  for (;;) {
    const candidate = previousMatchingWall(tables, wall, lowestWall);
    if (candidate === null) return null;
    const instant = instantOfWall(zone, candidate);
    if (instant <= atMs) return instant > sinceMs ? new Date(instant) : null;
    wall = candidate - MINUTE;
  }
}

function instantOf(date: Date, name: string): number {
  const ms = date instanceof Date ? date.getTime() : Number.NaN;
  if (Number.isNaN(ms))
    throw new InvalidInputError(`${name} must be a valid Date`, [{ path: [name], message: 'invalid Date' }]);
  return ms;
}

// ---- calendar arithmetic on "wall" values: wall-clock fields encoded as if they were UTC ----

function wallMs(year: number, month: number, day: number, hour: number, minute: number): number {
  const date = new Date(0);
  // setUTCFullYear, unlike Date.UTC, does not map years 0-99 to 1900-1999.
  date.setUTCFullYear(year, month - 1, day);
  date.setUTCHours(hour, minute, 0, 0);
  return date.getTime();
}

function daysIn(year: number, month: number): number {
  if (month !== 2) return maxDaysInMonth[month] ?? 31;
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
}

function dayMatches(tables: Tables, year: number, month: number, day: number): boolean {
  const byDate = tables.dayOfMonth[day] === true;
  const byWeekday = tables.dayOfWeek[new Date(wallMs(year, month, day, 0, 0)).getUTCDay()] === true;
  return tables.bothDays ? byDate && byWeekday : byDate || byWeekday;
}

function nextAllowed(table: readonly boolean[], from: number): number {
  for (let value = from; value < table.length; value++) if (table[value]) return value;
  return -1;
}

function previousAllowed(table: readonly boolean[], from: number): number {
  for (let value = from; value >= 0; value--) if (table[value]) return value;
  return -1;
}

/** The earliest matching wall time at or after `wall`, or null within the search horizon. */
function nextMatchingWall(tables: Tables, wall: number): number | null {
  const start = new Date(wall);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let hour = start.getUTCHours();
  let minute = start.getUTCMinutes();
  const lastYear = year + searchYears;
  while (year <= lastYear) {
    if (!tables.month[month] || day > daysIn(year, month)) {
      month++;
      if (month > 12) {
        month = 1;
        year++;
      }
      day = 1;
      hour = 0;
      minute = 0;
      continue;
    }
    if (!dayMatches(tables, year, month, day)) {
      day++;
      hour = 0;
      minute = 0;
      continue;
    }
    const nextHour = nextAllowed(tables.hour, hour);
    if (nextHour < 0) {
      day++;
      hour = 0;
      minute = 0;
      continue;
    }
    if (nextHour !== hour) {
      hour = nextHour;
      minute = 0;
    }
    const nextMinute = nextAllowed(tables.minute, minute);
    if (nextMinute < 0) {
      hour++;
      minute = 0;
      if (hour > 23) {
        day++;
        hour = 0;
      }
      continue;
    }
    return wallMs(year, month, day, hour, nextMinute);
  }
  return null;
}

/** The latest matching wall time at or before `wall` and not before `lowest`, or null. */
function previousMatchingWall(tables: Tables, wall: number, lowest: number): number | null {
  const start = new Date(wall);
  let year = start.getUTCFullYear();
  let month = start.getUTCMonth() + 1;
  let day = start.getUTCDate();
  let hour = start.getUTCHours();
  let minute = start.getUTCMinutes();
  const lowestDate = new Date(lowest);
  const lowestDay = wallMs(
    lowestDate.getUTCFullYear(),
    lowestDate.getUTCMonth() + 1,
    lowestDate.getUTCDate(),
    0,
    0,
  );
  const previousDay = () => {
    day--;
    hour = 23;
    minute = 59;
    if (day < 1) {
      month--;
      if (month < 1) {
        month = 12;
        year--;
      }
      day = daysIn(year, month);
    }
  };
  for (;;) {
    if (wallMs(year, month, day, 0, 0) < lowestDay) return null;
    if (!tables.month[month]) {
      day = 0;
      previousDay();
      continue;
    }
    if (!dayMatches(tables, year, month, day)) {
      previousDay();
      continue;
    }
    const previousHour = previousAllowed(tables.hour, hour);
    if (previousHour < 0) {
      previousDay();
      continue;
    }
    if (previousHour !== hour) {
      hour = previousHour;
      minute = 59;
    }
    const previousMinute = previousAllowed(tables.minute, minute);
    if (previousMinute < 0) {
      hour--;
      minute = 59;
      if (hour < 0) previousDay();
      continue;
    }
    const found = wallMs(year, month, day, hour, previousMinute);
    return found < lowest ? null : found;
  }
}

function floorMinute(ms: number): number {
  return Math.floor(ms / MINUTE) * MINUTE;
}

function truncateSecond(ms: number): number {
  return Math.floor(ms / 1000) * 1000;
}

// ---- time zone conversion through Intl ----

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall clock of `timeZone` at instant `ms`, encoded as a wall value (to the second). */
function wallOf(timeZone: string, ms: number): number {
  const fields = { year: 0, month: 0, day: 0, hour: 0, minute: 0, second: 0 };
  for (const part of formatterFor(timeZone).formatToParts(ms)) {
    if (part.type in fields) fields[part.type as keyof typeof fields] = Number(part.value);
  }
  return wallMs(fields.year, fields.month, fields.day, fields.hour, fields.minute) + fields.second * 1000;
}

/** The zone's UTC offset at instant `ms`, in milliseconds (wall = instant + offset). */
function offsetAt(timeZone: string, ms: number): number {
  const whole = truncateSecond(ms);
  return wallOf(timeZone, whole) - whole;
}

/**
 * The instant a wall time fires at: its only occurrence; the earlier of two in an overlap; or, in
 * a gap, the first instant after the gap. Assumes at most one offset transition within a day of
 * the wall time, which holds for every real zone.
 */
function instantOfWall(timeZone: string, wall: number): number {
  const offsetBefore = offsetAt(timeZone, wall - DAY);
  const offsetAfter = offsetAt(timeZone, wall + DAY);
  // The same offset on both sides means no transition in between (there is at most one).
  if (offsetBefore === offsetAfter) return wall - offsetBefore;
  let earliest = Number.POSITIVE_INFINITY;
  for (const offset of [offsetBefore, offsetAfter]) {
    const candidate = wall - offset;
    if (offsetAt(timeZone, candidate) === offset) earliest = Math.min(earliest, candidate);
  }
  if (earliest !== Number.POSITIVE_INFINITY) return earliest;
  // A gap: the offset jumps from offsetBefore to offsetAfter at some instant T with
  // T + offsetBefore <= wall < T + offsetAfter. Binary-search T to the second.
  let low = wall - offsetAfter; // before T
  let high = wall - offsetBefore; // at or after T
  while (high - low > 1000) {
    const middle = low + Math.floor((high - low) / 2000) * 1000;
    if (offsetAt(timeZone, middle) === offsetAfter) high = middle;
    else low = middle;
  }
  return high;
}
