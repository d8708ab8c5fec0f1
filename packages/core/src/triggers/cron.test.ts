import { describe, expect, it } from 'vitest';
import { GoosukeError, InvalidInputError } from '../errors/index.ts';
import { createSeededRandom } from '../testing/seeded-random.ts';
import { type CronSchedule, lastCronTimeBetween, nextCronTime, parseCron } from './cron.ts';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

function parseError(expression: string, timeZone?: string): InvalidInputError {
  try {
    parseCron(expression, timeZone);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(GoosukeError.isInstance(error)).toBe(true);
    return error as InvalidInputError;
  }
  throw new Error(`expected ${JSON.stringify(expression)} to be rejected`);
}

/** The next `count` fire times after `from`, as ISO strings. */
function nextTimes(schedule: CronSchedule, from: string, count: number): string[] {
  const result: string[] = [];
  let at = new Date(from);
  for (let i = 0; i < count; i++) {
    at = nextCronTime(schedule, at);
    result.push(at.toISOString());
  }
  return result;
}

function next(expression: string, from: string, timeZone = 'UTC'): string {
  return nextCronTime(parseCron(expression, timeZone), new Date(from)).toISOString();
}

const range = (from: number, to: number, step = 1) => {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
};

describe('parseCron syntax', () => {
  it('expands *, numbers, ranges, steps and lists', () => {
    const schedule = parseCron('*/20 1-3 1,15,31 */5 *');
    expect(schedule.minutes).toEqual([0, 20, 40]);
    expect(schedule.hours).toEqual([1, 2, 3]);
    expect(schedule.daysOfMonth).toEqual([1, 15, 31]);
    expect(schedule.months).toEqual([1, 6, 11]);
    expect(schedule.daysOfWeek).toEqual(range(0, 6));
    expect(schedule.expression).toBe('*/20 1-3 1,15,31 */5 *');
    expect(schedule.timeZone).toBe('UTC');
  });

  it('supports a-b/n, n/step, overlapping list items and whitespace', () => {
    const schedule = parseCron('  10-30/10,5,5   5/6  */10 2/5  1-5/2 ');
    expect(schedule.expression).toBe('10-30/10,5,5   5/6  */10 2/5  1-5/2');
    expect(schedule.minutes).toEqual([5, 10, 20, 30]);
    expect(schedule.hours).toEqual([5, 11, 17, 23]);
    expect(schedule.daysOfMonth).toEqual([1, 11, 21, 31]);
    expect(schedule.months).toEqual([2, 7, 12]);
    expect(schedule.daysOfWeek).toEqual([1, 3, 5]);
  });

  it('accepts month and weekday names in any case, and folds day-of-week 7 into Sunday', () => {
    const schedule = parseCron('0 0 * jan,Mar-MAY,dec mon-FRI');
    expect(schedule.months).toEqual([1, 3, 4, 5, 12]);
    expect(schedule.daysOfWeek).toEqual([1, 2, 3, 4, 5]);
    expect(parseCron('0 0 * * 7').daysOfWeek).toEqual([0]);
    expect(parseCron('0 0 * * 5-7').daysOfWeek).toEqual([0, 5, 6]);
    expect(parseCron('0 0 * * sun,sat').daysOfWeek).toEqual([0, 6]);
    expect(parseCron('0 0 * * 0,7').daysOfWeek).toEqual([0]);
  });

  it('records whether the day fields start with * (Vixie DOM_STAR / DOW_STAR)', () => {
    expect(parseCron('0 0 13 * FRI')).toMatchObject({ dayOfMonthStar: false, dayOfWeekStar: false });
    expect(parseCron('0 0 */2 * FRI')).toMatchObject({ dayOfMonthStar: true, dayOfWeekStar: false });
    expect(parseCron('0 0 13 * *')).toMatchObject({ dayOfMonthStar: false, dayOfWeekStar: true });
  });

  it('expands every macro, case-insensitively', () => {
    const same = (macro: string, expanded: string) => {
      const a = parseCron(macro);
      const b = parseCron(expanded);
      expect(a.expression).toBe(macro);
      expect({ ...a, expression: '' }).toEqual({ ...b, expression: '' });
    };
    same('@yearly', '0 0 1 1 *');
    same('@annually', '0 0 1 1 *');
    same('@monthly', '0 0 1 * *');
    same('@weekly', '0 0 * * 0');
    same('@daily', '0 0 * * *');
    same('@midnight', '0 0 * * *');
    same('@hourly', '0 * * * *');
    same('@HOURLY', '0 * * * *');
  });

  it('is immutable', () => {
    const schedule = parseCron('0 9 * * MON-FRI', 'Asia/Tokyo');
    expect(Object.isFrozen(schedule)).toBe(true);
    expect(Object.isFrozen(schedule.minutes)).toBe(true);
    expect(() => (schedule.minutes as number[]).push(5)).toThrow(TypeError);
  });
});

describe('parseCron errors', () => {
  const cases: Array<[string, string]> = [
    ['61 * * * *', 'invalid cron expression "61 * * * *": minute 61 is out of range 0-59'],
    ['* 24 * * *', 'invalid cron expression "* 24 * * *": hour 24 is out of range 0-23'],
    ['* * 0 * *', 'invalid cron expression "* * 0 * *": day-of-month 0 is out of range 1-31'],
    ['* * 32 * *', 'invalid cron expression "* * 32 * *": day-of-month 32 is out of range 1-31'],
    ['* * * 13 *', 'invalid cron expression "* * * 13 *": month 13 is out of range 1-12'],
    ['* * * * 8', 'invalid cron expression "* * * * 8": day-of-week 8 is out of range 0-7'],
    ['0-60/5 * * * *', 'invalid cron expression "0-60/5 * * * *": minute 60 is out of range 0-59'],
    [
      '*/0 * * * *',
      'invalid cron expression "*/0 * * * *": minute step 0 is not allowed (must be at least 1)',
    ],
    [
      '* 1-5/0 * * *',
      'invalid cron expression "* 1-5/0 * * *": hour step 0 is not allowed (must be at least 1)',
    ],
    ['*/x * * * *', 'invalid cron expression "*/x * * * *": minute step "x" is not a positive integer'],
    [
      '5-1 * * * *',
      'invalid cron expression "5-1 * * * *": minute range 5-1 is reversed (5 is after 1); write the smaller bound first',
    ],
    [
      '0 0 * * FRI-MON',
      'invalid cron expression "0 0 * * FRI-MON": day-of-week range FRI-MON is reversed (FRI is after MON); write the smaller bound first',
    ],
    [
      '1-2-3 * * * *',
      'invalid cron expression "1-2-3 * * * *": minute range "1-2-3" is malformed (expected a-b)',
    ],
    ['-5 * * * *', 'invalid cron expression "-5 * * * *": minute range "-5" is malformed (expected a-b)'],
    ['*/2/3 * * * *', 'invalid cron expression "*/2/3 * * * *": minute item "*/2/3" has more than one "/"'],
    ['1,,2 * * * *', 'invalid cron expression "1,,2 * * * *": minute field "1,,2" has an empty list item'],
    [
      '* * * * *  *',
      'invalid cron expression "* * * * *  *": expected 5 fields (minute hour day-of-month month day-of-week), got 6',
    ],
    [
      '* * * *',
      'invalid cron expression "* * * *": expected 5 fields (minute hour day-of-month month day-of-week), got 4',
    ],
    ['', 'invalid cron expression "": the expression is empty'],
    [
      '0 0 * FOO *',
      'invalid cron expression "0 0 * FOO *": month name "FOO" is unknown (expected JAN, FEB, MAR, APR, MAY, JUN, JUL, AUG, SEP, OCT, NOV, DEC)',
    ],
    [
      '0 0 * * FUN',
      'invalid cron expression "0 0 * * FUN": day-of-week name "FUN" is unknown (expected SUN, MON, TUE, WED, THU, FRI, SAT)',
    ],
    ['0 MON * * *', 'invalid cron expression "0 MON * * *": hour value "MON" is not a number'],
    ['0 0 * * 1x', 'invalid cron expression "0 0 * * 1x": day-of-week value "1x" is not a number or name'],
    ['0 0 L * *', 'invalid cron expression "0 0 L * *": day-of-month value "L" is not a number'],
    [
      '@reboot',
      'invalid cron expression "@reboot": unknown macro "@reboot" (expected one of @yearly @annually @monthly @weekly @daily @midnight @hourly)',
    ],
    [
      '0 0 30 2 *',
      'invalid cron expression "0 0 30 2 *": never fires: day-of-month "30" does not occur in month "2"',
    ],
    [
      '0 0 31 APR,JUN,SEP,NOV *',
      'invalid cron expression "0 0 31 APR,JUN,SEP,NOV *": never fires: day-of-month "31" does not occur in month "APR,JUN,SEP,NOV"',
    ],
    [
      '0 0 30,31 2 */2',
      'invalid cron expression "0 0 30,31 2 */2": never fires: day-of-month "30,31" does not occur in month "2"',
    ],
  ];
  it.each(cases)('rejects %j', (expression, message) => {
    const error = parseError(expression);
    expect(error.message).toBe(message);
    expect(error.issues[0]?.path).toEqual(['expression']);
  });

  it('accepts day/month pairs that exist in some year, and Feb 30 with a weekday (OR rule)', () => {
    expect(parseCron('0 0 29 2 *').daysOfMonth).toEqual([29]);
    expect(parseCron('0 0 31 1-2 *').months).toEqual([1, 2]);
    // Both day fields restricted: fires on every Monday in February, so it is not impossible.
    expect(parseCron('0 0 30 2 MON').daysOfWeek).toEqual([1]);
  });

  it('rejects unknown and empty time zones', () => {
    const unknown = parseError('* * * * *', 'Mars/Olympus_Mons');
    expect(unknown.message).toBe('invalid cron time zone "Mars/Olympus_Mons": not a known IANA time zone');
    expect(unknown.issues[0]?.path).toEqual(['timeZone']);
    expect(parseError('* * * * *', '').message).toBe(
      'invalid cron time zone "": expected a non-empty IANA time zone name',
    );
    expect(parseCron('* * * * *', 'Europe/London').timeZone).toBe('Europe/London');
  });

  it('rejects invalid dates', () => {
    const schedule = parseCron('* * * * *');
    expect(() => nextCronTime(schedule, new Date('nope'))).toThrow(InvalidInputError);
    expect(() => lastCronTimeBetween(schedule, new Date('nope'), new Date())).toThrow(
      'since must be a valid Date',
    );
  });
});

describe('nextCronTime in UTC', () => {
  it('finds the next time for common expressions', () => {
    expect(next('* * * * *', '2026-01-01T00:00:00Z')).toBe('2026-01-01T00:01:00.000Z');
    expect(next('* * * * *', '2026-01-01T00:00:59.999Z')).toBe('2026-01-01T00:01:00.000Z');
    expect(next('*/5 * * * *', '2026-01-01T00:03:10Z')).toBe('2026-01-01T00:05:00.000Z');
    expect(next('0 * * * *', '2026-01-01T23:00:00Z')).toBe('2026-01-02T00:00:00.000Z');
    expect(next('30 4 * * *', '2026-12-31T05:00:00Z')).toBe('2027-01-01T04:30:00.000Z');
    expect(next('0 9 * * MON-FRI', '2026-12-04T09:00:00Z')).toBe('2026-12-07T09:00:00.000Z'); // Fri -> Mon
    expect(next('0 0 1 * *', '2026-01-31T12:00:00Z')).toBe('2026-02-01T00:00:00.000Z');
    expect(next('0 0 31 * *', '2026-02-01T00:00:00Z')).toBe('2026-03-31T00:00:00.000Z');
    expect(next('15 10 * JUN *', '2026-07-01T00:00:00Z')).toBe('2027-06-01T10:15:00.000Z');
    expect(next('0 12 * * 7', '2026-12-03T00:00:00Z')).toBe('2026-12-06T12:00:00.000Z'); // Sunday
  });

  it('returns the following fire when `after` is exactly a fire time', () => {
    expect(next('0 * * * *', '2026-05-05T10:00:00Z')).toBe('2026-05-05T11:00:00.000Z');
    expect(next('0 0 * * *', '2026-05-05T00:00:00Z')).toBe('2026-05-06T00:00:00.000Z');
    expect(next('0 0 * * *', '2026-05-04T23:59:59.999Z')).toBe('2026-05-05T00:00:00.000Z');
  });

  it('expands macros to their schedules', () => {
    const from = '2026-05-05T10:20:00Z';
    expect(next('@hourly', from)).toBe('2026-05-05T11:00:00.000Z');
    expect(next('@daily', from)).toBe('2026-05-06T00:00:00.000Z');
    expect(next('@midnight', from)).toBe('2026-05-06T00:00:00.000Z');
    expect(next('@weekly', from)).toBe('2026-05-10T00:00:00.000Z');
    expect(next('@monthly', from)).toBe('2026-06-01T00:00:00.000Z');
    expect(next('@yearly', from)).toBe('2027-01-01T00:00:00.000Z');
    expect(next('@annually', from)).toBe('2027-01-01T00:00:00.000Z');
  });

  it('ORs day-of-month and day-of-week when both are restricted (Vixie rule)', () => {
    // From Thu 2026-02-12: Fri 13th, then the following Fridays, then the next 13th (a Friday in March).
    expect(nextTimes(parseCron('0 0 13 * FRI'), '2026-02-12T00:00:00Z', 5)).toEqual([
      '2026-02-13T00:00:00.000Z',
      '2026-02-20T00:00:00.000Z',
      '2026-02-27T00:00:00.000Z',
      '2026-03-06T00:00:00.000Z',
      '2026-03-13T00:00:00.000Z',
    ]);
    expect(nextTimes(parseCron('0 0 1 * MON'), '2026-05-30T00:00:00Z', 3)).toEqual([
      '2026-06-01T00:00:00.000Z', // the 1st, also a Monday: fires once
      '2026-06-08T00:00:00.000Z',
      '2026-06-15T00:00:00.000Z',
    ]);
    // A day field starting with * makes it an AND: odd days that are Fridays.
    expect(nextTimes(parseCron('0 0 */2 * FRI'), '2026-01-01T00:00:00Z', 3)).toEqual([
      '2026-01-09T00:00:00.000Z',
      '2026-01-23T00:00:00.000Z',
      '2026-02-13T00:00:00.000Z',
    ]);
  });

  it('finds Feb 29 years ahead, and the Feb 29 that falls on a Sunday decades ahead', () => {
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 0 29 2 *', '2028-02-29T00:00:00Z')).toBe('2032-02-29T00:00:00.000Z');
    expect(next('0 0 29 2 *', '2096-03-01T00:00:00Z')).toBe('2104-02-29T00:00:00.000Z'); // 2100 is no leap year
    expect(next('0 0 29 2 */7', '2026-01-01T00:00:00Z')).toBe('2032-02-29T00:00:00.000Z'); // a Sunday
    expect(next('0 0 29 2 */7', '2032-03-01T00:00:00Z')).toBe('2060-02-29T00:00:00.000Z');
  });
});

describe('nextCronTime across time zones', () => {
  it('Asia/Tokyo (no DST): 0 9 * * MON-FRI fires at 00:00 UTC on weekdays', () => {
    const schedule = parseCron('0 9 * * MON-FRI', 'Asia/Tokyo');
    // Fri 2026-12-04 09:00 JST = 00:00 UTC; then Mon, Tue.
    expect(nextTimes(schedule, '2026-12-03T23:59:00Z', 3)).toEqual([
      '2026-12-04T00:00:00.000Z',
      '2026-12-07T00:00:00.000Z',
      '2026-12-08T00:00:00.000Z',
    ]);
    // Sat 09:00 JST would be Fri 00:00 UTC + 1 day; the weekday is read in Tokyo, not in UTC.
    expect(next('0 9 * * SAT', '2026-12-04T00:00:00Z', 'Asia/Tokyo')).toBe('2026-12-05T00:00:00.000Z');
    expect(next('0 1 * * SAT', '2026-12-04T00:00:00Z', 'Asia/Tokyo')).toBe('2026-12-04T16:00:00.000Z');
  });

  it('America/New_York spring-forward: 02:30 fires once at 03:00 EDT', () => {
    const schedule = parseCron('30 2 * * *', 'America/New_York');
    expect(nextTimes(schedule, '2026-03-06T12:00:00Z', 4)).toEqual([
      '2026-03-07T07:30:00.000Z', // 02:30 EST
      '2026-03-08T07:00:00.000Z', // 02:30 does not exist: 03:00 EDT
      '2026-03-09T06:30:00.000Z', // 02:30 EDT
      '2026-03-10T06:30:00.000Z',
    ]);
    expect(next('30 2 * * *', '2026-03-08T06:59:59Z', 'America/New_York')).toBe('2026-03-08T07:00:00.000Z');
    expect(next('30 2 * * *', '2026-03-08T07:00:00Z', 'America/New_York')).toBe('2026-03-09T06:30:00.000Z');
  });

  it('America/New_York spring-forward: 01:30 is unaffected', () => {
    expect(nextTimes(parseCron('30 1 * * *', 'America/New_York'), '2026-03-07T12:00:00Z', 2)).toEqual([
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-09T05:30:00.000Z', // 01:30 EDT
    ]);
  });

  it('America/New_York fall-back: 01:30 fires once, at its first (EDT) occurrence', () => {
    const schedule = parseCron('30 1 * * *', 'America/New_York');
    expect(nextTimes(schedule, '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-02T06:30:00.000Z', // 01:30 EST next day; not 2026-11-01T06:30Z
      '2026-11-03T06:30:00.000Z',
    ]);
    // Asked during the repeated hour (01:10 EST), the second 01:30 is skipped.
    expect(next('30 1 * * *', '2026-11-01T06:10:00Z', 'America/New_York')).toBe('2026-11-02T06:30:00.000Z');
    expect(nextTimes(parseCron('30 2 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', 2)).toEqual([
      '2026-11-01T07:30:00.000Z', // 02:30 EST, only once
      '2026-11-02T07:30:00.000Z',
    ]);
  });

  it('America/New_York */15 across both transitions: no duplicates, no skipped wall times', () => {
    const schedule = parseCron('*/15 * * * *', 'America/New_York');
    expect(nextTimes(schedule, '2026-03-08T06:30:00Z', 5)).toEqual([
      '2026-03-08T06:45:00.000Z', // 01:45 EST
      '2026-03-08T07:00:00.000Z', // 02:00-02:45 do not exist; they and 03:00 fire once at 03:00 EDT
      '2026-03-08T07:15:00.000Z',
      '2026-03-08T07:30:00.000Z',
      '2026-03-08T07:45:00.000Z',
    ]);
    expect(nextTimes(schedule, '2026-11-01T05:30:00Z', 5)).toEqual([
      '2026-11-01T05:45:00.000Z', // 01:45 EDT
      '2026-11-01T07:00:00.000Z', // 02:00 EST; the repeated 01:00-01:45 EST do not fire again
      '2026-11-01T07:15:00.000Z',
      '2026-11-01T07:30:00.000Z',
      '2026-11-01T07:45:00.000Z',
    ]);
  });

  it('Europe/London: BST starts 2026-03-29 and ends 2026-10-25', () => {
    expect(nextTimes(parseCron('30 1 * * *', 'Europe/London'), '2026-03-28T12:00:00Z', 2)).toEqual([
      '2026-03-29T01:00:00.000Z', // 01:30 does not exist: 02:00 BST
      '2026-03-30T00:30:00.000Z', // 01:30 BST
    ]);
    expect(nextTimes(parseCron('30 1 * * *', 'Europe/London'), '2026-10-24T12:00:00Z', 2)).toEqual([
      '2026-10-25T00:30:00.000Z', // 01:30 BST, the first occurrence
      '2026-10-26T01:30:00.000Z', // 01:30 GMT
    ]);
    expect(next('0 9 * * *', '2026-07-01T00:00:00Z', 'Europe/London')).toBe('2026-07-01T08:00:00.000Z');
  });
});

describe('lastCronTimeBetween', () => {
  const hourly = parseCron('0 * * * *');
  const at = (iso: string) => new Date(iso);

  it('returns null when no tick was missed', () => {
    expect(lastCronTimeBetween(hourly, at('2026-05-05T10:00:00Z'), at('2026-05-05T10:59:59Z'))).toBeNull();
    expect(lastCronTimeBetween(hourly, at('2026-05-05T10:00:00Z'), at('2026-05-05T10:00:00Z'))).toBeNull();
    expect(lastCronTimeBetween(hourly, at('2026-05-05T11:00:00Z'), at('2026-05-05T10:00:00Z'))).toBeNull();
  });

  it('returns the single missed tick, with `at` inclusive and `since` exclusive', () => {
    expect(
      lastCronTimeBetween(hourly, at('2026-05-05T10:00:00Z'), at('2026-05-05T11:00:00Z'))?.toISOString(),
    ).toBe('2026-05-05T11:00:00.000Z');
    expect(
      lastCronTimeBetween(hourly, at('2026-05-05T10:59:00Z'), at('2026-05-05T11:30:00Z'))?.toISOString(),
    ).toBe('2026-05-05T11:00:00.000Z');
  });

  it('returns the latest of several missed ticks', () => {
    expect(
      lastCronTimeBetween(hourly, at('2026-05-05T10:00:00Z'), at('2026-05-05T15:30:00Z'))?.toISOString(),
    ).toBe('2026-05-05T15:00:00.000Z');
    // A 30-day downtime with a per-minute schedule, and a year-long one with a yearly schedule.
    const everyMinute = parseCron('* * * * *');
    expect(
      lastCronTimeBetween(everyMinute, at('2026-04-01T00:00:00Z'), at('2026-05-01T00:00:30Z'))?.toISOString(),
    ).toBe('2026-05-01T00:00:00.000Z');
    expect(
      lastCronTimeBetween(
        parseCron('@yearly'),
        at('2020-06-01T00:00:00Z'),
        at('2026-05-01T00:00:00Z'),
      )?.toISOString(),
    ).toBe('2026-01-01T00:00:00.000Z');
    expect(
      lastCronTimeBetween(parseCron('@yearly'), at('2026-01-01T00:00:00Z'), at('2026-12-31T23:59:00Z')),
    ).toBeNull();
  });

  it('follows the DST rules: the first 01:45 during the repeated hour, the gap fire at 03:00', () => {
    const schedule = parseCron('*/15 * * * *', 'America/New_York');
    // 06:10Z is 01:10 EST (second pass); the latest fire is 01:45 EDT = 05:45Z.
    expect(
      lastCronTimeBetween(schedule, at('2026-11-01T00:00:00Z'), at('2026-11-01T06:10:00Z'))?.toISOString(),
    ).toBe('2026-11-01T05:45:00.000Z');
    expect(lastCronTimeBetween(schedule, at('2026-11-01T05:45:00Z'), at('2026-11-01T06:59:00Z'))).toBeNull();
    const gap = parseCron('30 2 * * *', 'America/New_York');
    expect(
      lastCronTimeBetween(gap, at('2026-03-08T00:00:00Z'), at('2026-03-08T07:00:00Z'))?.toISOString(),
    ).toBe('2026-03-08T07:00:00.000Z');
    expect(lastCronTimeBetween(gap, at('2026-03-08T00:00:00Z'), at('2026-03-08T06:59:59Z'))).toBeNull();
  });
});

// ---- an independent oracle: random expressions with known value sets, minute-by-minute scan ----

interface RandomField {
  text: string;
  values: Set<number>;
}

const monthNames = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dayNames = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

/** A random field text together with the values it must denote, computed without the parser. */
function randomField(
  random: () => number,
  min: number,
  max: number,
  names?: string[],
  nameBase = 0,
): RandomField {
  const int = (from: number, to: number) => from + Math.floor(random() * (to - from + 1));
  const token = (value: number) =>
    names !== undefined && value - nameBase < names.length && random() < 0.4
      ? (names[value - nameBase] ?? '')
      : String(value);
  const items: string[] = [];
  const values = new Set<number>();
  const count = random() < 0.75 ? 1 : int(2, 3);
  for (let i = 0; i < count; i++) {
    const kind = random();
    if (kind < 0.25 && count === 1) {
      items.push('*');
      for (let v = min; v <= max; v++) values.add(v);
    } else if (kind < 0.45) {
      const step = int(1, Math.max(1, Math.ceil((max - min) / 2)));
      items.push(`*/${step}`);
      for (let v = min; v <= max; v += step) values.add(v);
    } else if (kind < 0.65) {
      const value = int(min, max);
      items.push(token(value));
      values.add(value);
    } else if (kind < 0.85) {
      const a = int(min, max);
      const b = int(a, max);
      const step = random() < 0.5 ? 0 : int(1, 5);
      items.push(step === 0 ? `${token(a)}-${token(b)}` : `${token(a)}-${token(b)}/${step}`);
      for (let v = a; v <= b; v += step === 0 ? 1 : step) values.add(v);
    } else {
      const a = int(min, max);
      const step = int(1, 7);
      items.push(`${a}/${step}`);
      for (let v = a; v <= max; v += step) values.add(v);
    }
  }
  return { text: items.join(','), values };
}

interface OracleSchedule {
  expression: string;
  minute: Set<number>;
  hour: Set<number>;
  dayOfMonth: Set<number>;
  month: Set<number>;
  dayOfWeek: Set<number>;
  both: boolean;
}

function randomSchedule(random: () => number): OracleSchedule {
  // Bias towards frequent schedules so the bounded windows contain fires.
  const minute = randomField(random, 0, 59);
  const hour = random() < 0.5 ? { text: '*', values: new Set(range(0, 23)) } : randomField(random, 0, 23);
  const dayOfMonth =
    random() < 0.5 ? { text: '*', values: new Set(range(1, 31)) } : randomField(random, 1, 31);
  const month =
    random() < 0.7 ? { text: '*', values: new Set(range(1, 12)) } : randomField(random, 1, 12, monthNames, 1);
  const dayOfWeek =
    random() < 0.5 ? { text: '*', values: new Set(range(0, 7)) } : randomField(random, 0, 7, dayNames);
  return {
    expression: [minute.text, hour.text, dayOfMonth.text, month.text, dayOfWeek.text].join(' '),
    minute: minute.values,
    hour: hour.values,
    dayOfMonth: dayOfMonth.values,
    month: month.values,
    dayOfWeek: new Set([...dayOfWeek.values].map((d) => d % 7)),
    both: !dayOfMonth.text.startsWith('*') && !dayOfWeek.text.startsWith('*'),
  };
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  weekday: number;
  /** Minutes since the epoch, reading the wall fields as if UTC: orders wall times. */
  key: number;
}

function wallClock(timeZone: string): (ms: number) => Wall {
  const format = new Intl.DateTimeFormat('en-GB', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  });
  return (ms) => {
    const parts: Record<string, number> = {};
    for (const part of format.formatToParts(ms)) parts[part.type] = Number(part.value);
    const year = parts.year ?? 0;
    const month = parts.month ?? 0;
    const day = parts.day ?? 0;
    const hour = parts.hour ?? 0;
    const minute = parts.minute ?? 0;
    const keyMs = Date.UTC(year, month - 1, day, hour, minute);
    return { year, month, day, hour, minute, weekday: new Date(keyMs).getUTCDay(), key: keyMs / MINUTE };
  };
}

function wallMatches(schedule: OracleSchedule, wall: Wall): boolean {
  const byDate = schedule.dayOfMonth.has(wall.day);
  const byWeekday = schedule.dayOfWeek.has(wall.weekday);
  const dayOk = schedule.both ? byDate || byWeekday : byDate && byWeekday;
  return (
    dayOk &&
    schedule.month.has(wall.month) &&
    schedule.hour.has(wall.hour) &&
    schedule.minute.has(wall.minute)
  );
}

function wallFromKey(key: number): Wall {
  const date = new Date(key * MINUTE);
  return {
    year: date.getUTCFullYear(),
    month: date.getUTCMonth() + 1,
    day: date.getUTCDate(),
    hour: date.getUTCHours(),
    minute: date.getUTCMinutes(),
    weekday: date.getUTCDay(),
    key,
  };
}

/**
 * Every wall-clock minute from `start` to `end`, with the walls skipped just before it (a gap) and
 * whether it repeats a wall time already seen (an overlap). Computed once per zone and window.
 */
function scanWindow(timeZone: string, start: number, end: number) {
  const clock = wallClock(timeZone);
  const minutes: Array<{ instant: number; walls: Wall[] }> = [];
  // Start a day early so overlaps that began before the window are known.
  let highest = clock(start - 24 * HOUR - MINUTE).key;
  for (let instant = start - 24 * HOUR; instant <= end; instant += MINUTE) {
    const wall = clock(instant);
    const walls: Wall[] = [];
    if (wall.key > highest) {
      for (let key = highest + 1; key < wall.key; key++) walls.push(wallFromKey(key)); // skipped by a gap
      walls.push(wall);
      highest = wall.key;
    } // else: a repeated wall time, which has already fired
    if (instant >= start) minutes.push({ instant, walls });
  }
  return minutes;
}

function oracleFires(schedule: OracleSchedule, window: ReturnType<typeof scanWindow>): number[] {
  return window
    .filter(({ walls }) => walls.some((wall) => wallMatches(schedule, wall)))
    .map(({ instant }) => instant);
}

describe('cross-check against a brute-force minute-by-minute oracle', () => {
  // `focus` is where a chain of fires is also checked: a DST transition or a month boundary.
  const windows: Array<{ zone: string; start: string; days: number; focus: string }> = [
    { zone: 'UTC', start: '2026-02-20T00:00:00Z', days: 20, focus: '2026-02-28T22:00:00Z' },
    { zone: 'America/New_York', start: '2026-03-05T00:00:00Z', days: 6, focus: '2026-03-08T05:00:00Z' },
    { zone: 'America/New_York', start: '2026-10-29T00:00:00Z', days: 6, focus: '2026-11-01T04:00:00Z' },
    // A 30-minute fall-back at 02:00 local (+11:00 -> +10:30).
    { zone: 'Australia/Lord_Howe', start: '2026-04-02T00:00:00Z', days: 4, focus: '2026-04-04T13:00:00Z' },
  ];

  for (const { zone, start, days, focus } of windows) {
    // A brute-force oracle over thousands of minutes: seconds on a busy machine, not milliseconds.
    it(`agrees on 120 random expressions in ${zone} from ${start}`, () => {
      const startMs = Date.parse(start);
      const endMs = startMs + days * 24 * HOUR;
      const focusMs = Date.parse(focus);
      const window = scanWindow(zone, startMs, endMs);
      const random = createSeededRandom(startMs / MINUTE + zone.length);
      let checked = 0;
      let withFires = 0;
      while (checked < 120) {
        const oracle = randomSchedule(random);
        let schedule: CronSchedule;
        try {
          schedule = parseCron(oracle.expression, zone);
        } catch (error) {
          // Only "never fires" may be rejected; the generator never produces a syntax error.
          expect((error as Error).message).toContain('never fires');
          continue;
        }
        checked++;
        const fires = oracleFires(oracle, window);
        if (fires.length > 0) withFires++;
        const context = `${oracle.expression} in ${zone}`;

        // Chaining nextCronTime reproduces the oracle's list exactly (up to 200 fires, from the
        // window start and from the focus): no duplicates, nothing skipped.
        for (const from of [startMs - 1, focusMs]) {
          const expected = fires.filter((fire) => fire > from).slice(0, 200);
          const chained: number[] = [];
          let cursor = from;
          while (chained.length < expected.length) {
            const fire = nextCronTime(schedule, new Date(cursor)).getTime();
            if (fire > endMs) break;
            chained.push(fire);
            cursor = fire;
          }
          expect(chained, `${context} from ${new Date(from).toISOString()}`).toEqual(expected);
        }

        // Random starting points (not minute-aligned) and random windows for lastCronTimeBetween.
        for (let probe = 0; probe < 8; probe++) {
          // Half the probes land within six hours of the focus.
          const after =
            probe % 2 === 0
              ? startMs + Math.floor(random() * (endMs - startMs))
              : focusMs - 6 * HOUR + Math.floor(random() * 12 * HOUR);
          const expected = fires.find((fire) => fire > after);
          const actual = nextCronTime(schedule, new Date(after)).getTime();
          if (expected === undefined) expect(actual, context).toBeGreaterThan(endMs);
          else expect(actual, `${context} after ${new Date(after).toISOString()}`).toBe(expected);

          const [low, span] = probe % 2 === 0 ? [startMs, endMs - startMs] : [focusMs - 6 * HOUR, 12 * HOUR];
          const a = low + Math.floor(random() * span);
          const b = low + Math.floor(random() * span);
          const [since, at] = a < b ? [a, b] : [b, a];
          const latest = fires.filter((fire) => fire > since && fire <= at).at(-1) ?? null;
          const found = lastCronTimeBetween(schedule, new Date(since), new Date(at))?.getTime() ?? null;
          expect(
            found,
            `${context} between ${new Date(since).toISOString()} and ${new Date(at).toISOString()}`,
          ).toBe(latest);
        }
      }
      // The oracle must exercise the code, not vacuously agree on empty windows.
      expect(withFires).toBeGreaterThan(60);
    }, 60_000);
  }
});
