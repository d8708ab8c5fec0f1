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

/** Fire times of `expression` (UTC) from `from` up to `until`, as ISO strings. */
function firesUntil(expression: string, from: string, until: string): string[] {
  const schedule = parseCron(expression);
  const result: string[] = [];
  for (
    let at = nextCronTime(schedule, new Date(from));
    at <= new Date(until);
    at = nextCronTime(schedule, at)
  ) {
    result.push(at.toISOString());
  }
  return result;
}

const range = (from: number, to: number, step = 1) => {
  const values: number[] = [];
  for (let value = from; value <= to; value += step) values.push(value);
  return values;
};

describe('parseCron syntax', () => {
  it('expands *, numbers, ranges, steps and lists', () => {
    // Minutes 0, 20, 40 of hours 1-3 on the 1st, 15th and 31st of Jan, Jun and Nov.
    const schedule = parseCron('*/20 1-3 1,15,31 */5 *');
    expect(schedule).toEqual({ expression: '*/20 1-3 1,15,31 */5 *', timeZone: 'UTC' });
    expect(nextTimes(schedule, '2026-01-01T00:00:00Z', 10)).toEqual([
      '2026-01-01T01:00:00.000Z',
      '2026-01-01T01:20:00.000Z',
      '2026-01-01T01:40:00.000Z',
      '2026-01-01T02:00:00.000Z',
      '2026-01-01T02:20:00.000Z',
      '2026-01-01T02:40:00.000Z',
      '2026-01-01T03:00:00.000Z',
      '2026-01-01T03:20:00.000Z',
      '2026-01-01T03:40:00.000Z',
      '2026-01-15T01:00:00.000Z',
    ]);
    expect(next('*/20 1-3 1,15,31 */5 *', '2026-01-31T03:40:00Z')).toBe('2026-06-01T01:00:00.000Z');
    expect(next('*/20 1-3 1,15,31 */5 *', '2026-06-15T03:40:00Z')).toBe('2026-11-01T01:00:00.000Z');
  });

  it('supports a-b/n, n/step, overlapping list items and whitespace', () => {
    const schedule = parseCron('  10-30/10,5,5   5/6  */10 2/5  1-5/2 ');
    expect(schedule.expression).toBe('10-30/10,5,5   5/6  */10 2/5  1-5/2');
    // Minutes 5, 10, 20, 30; hours 5, 11, 17, 23.
    expect(firesUntil('10-30/10,5,5 5/6 * * *', '2026-01-01T00:00:00Z', '2026-01-01T12:00:00Z')).toEqual([
      '2026-01-01T05:05:00.000Z',
      '2026-01-01T05:10:00.000Z',
      '2026-01-01T05:20:00.000Z',
      '2026-01-01T05:30:00.000Z',
      '2026-01-01T11:05:00.000Z',
      '2026-01-01T11:10:00.000Z',
      '2026-01-01T11:20:00.000Z',
      '2026-01-01T11:30:00.000Z',
    ]);
    // Days 1, 11, 21, 31 of Feb, Jul and Dec.
    expect(firesUntil('0 0 */10 2/5 *', '2026-01-01T00:00:00Z', '2026-07-31T00:00:00Z')).toEqual([
      '2026-02-01T00:00:00.000Z',
      '2026-02-11T00:00:00.000Z',
      '2026-02-21T00:00:00.000Z',
      '2026-07-01T00:00:00.000Z',
      '2026-07-11T00:00:00.000Z',
      '2026-07-21T00:00:00.000Z',
      '2026-07-31T00:00:00.000Z',
    ]);
    // Mondays, Wednesdays and Fridays: 2026-12-07 is a Monday.
    expect(firesUntil('0 0 * * 1-5/2', '2026-12-06T00:00:00Z', '2026-12-13T00:00:00Z')).toEqual([
      '2026-12-07T00:00:00.000Z',
      '2026-12-09T00:00:00.000Z',
      '2026-12-11T00:00:00.000Z',
    ]);
  });

  it('accepts month and weekday names in any case, and folds day-of-week 7 into Sunday', () => {
    expect(firesUntil('0 0 1 jan,Mar-MAY,dec *', '2026-01-01T00:00:00Z', '2026-12-31T00:00:00Z')).toEqual([
      '2026-03-01T00:00:00.000Z',
      '2026-04-01T00:00:00.000Z',
      '2026-05-01T00:00:00.000Z',
      '2026-12-01T00:00:00.000Z',
    ]);
    // 2026-12-06 is a Sunday.
    const week = ['2026-12-05T12:00:00Z', '2026-12-12T12:00:00Z'] as const;
    expect(firesUntil('0 0 * * mon-FRI', ...week)).toHaveLength(5);
    expect(firesUntil('0 0 * * 7', ...week)).toEqual(['2026-12-06T00:00:00.000Z']);
    expect(firesUntil('0 0 * * 0,7', ...week)).toEqual(['2026-12-06T00:00:00.000Z']);
    expect(firesUntil('0 0 * * sun,sat', ...week)).toEqual([
      '2026-12-06T00:00:00.000Z',
      '2026-12-12T00:00:00.000Z',
    ]);
    expect(firesUntil('0 0 * * 5-7', ...week)).toEqual([
      '2026-12-06T00:00:00.000Z',
      '2026-12-11T00:00:00.000Z',
      '2026-12-12T00:00:00.000Z',
    ]);
    // SUN ending a range is 7 (croner), so MON-SUN is the whole week rather than an error.
    expect(firesUntil('0 0 * * MON-SUN', ...week)).toHaveLength(7);
    // `a/n` in the day-of-week runs to Saturday: Friday and Saturday, not Sunday.
    expect(firesUntil('0 0 * * 5/1', ...week)).toEqual([
      '2026-12-11T00:00:00.000Z',
      '2026-12-12T00:00:00.000Z',
    ]);
  });

  it('expands every macro, case-insensitively', () => {
    const same = (macro: string, expanded: string) => {
      expect(parseCron(macro).expression).toBe(macro);
      const from = '2026-05-05T10:20:00Z';
      expect(nextTimes(parseCron(macro), from, 3)).toEqual(nextTimes(parseCron(expanded), from, 3));
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

  it("accepts croner's L, W and # extensions", () => {
    expect(next('0 0 L * *', '2026-02-01T00:00:00Z')).toBe('2026-02-28T00:00:00.000Z');
    expect(next('0 0 * * FRI#L', '2026-02-01T00:00:00Z')).toBe('2026-02-27T00:00:00.000Z');
    expect(next('0 0 * * MON#1', '2026-02-03T00:00:00Z')).toBe('2026-03-02T00:00:00.000Z');
    // 2026-02-15 is a Sunday: the nearest weekday is Monday the 16th.
    expect(next('0 0 15W * *', '2026-02-01T00:00:00Z')).toBe('2026-02-16T00:00:00.000Z');
  });

  it('is immutable', () => {
    const schedule = parseCron('0 9 * * MON-FRI', 'Asia/Tokyo');
    expect(Object.isFrozen(schedule)).toBe(true);
    expect(() => {
      (schedule as { expression: string }).expression = '* * * * *';
    }).toThrow(TypeError);
  });
});

describe('parseCron errors', () => {
  const cases: Array<[string, string]> = [
    ['61 * * * *', 'minute field "61" has a value out of range 0-59'],
    ['* 24 * * *', 'hour field "24" has a value out of range 0-23'],
    ['* * 0 * *', 'day-of-month field "0" has a value out of range 1-31'],
    ['* * 32 * *', 'day-of-month field "32" has a value out of range 1-31'],
    ['* * * 13 *', 'month field "13" has a value out of range 1-12 or JAN-DEC'],
    ['* * * * 8', 'day-of-week field "8" has a value out of range 0-7 or SUN-SAT (0 and 7 are Sunday)'],
    ['0-60/5 * * * *', 'minute field "0-60/5" has a value out of range 0-59'],
    ['*/0 * * * *', 'Syntax error, illegal stepping: 0'],
    ['* 1-5/0 * * *', 'Syntax error, illegal stepping: 0'],
    ['*/x * * * *', 'minute field "*/x" is not a number, name, *, list, range or step in 0-59'],
    ['5-1 * * * *', "From value is larger than to value: '5-1'"],
    ['0 0 * * FRI-MON', "From value is larger than to value: '5-1'"],
    ['1-2-3 * * * *', "Syntax error, illegal range: '1-2-3'"],
    ['*/2/3 * * * *', "Syntax error, illegal stepping: '*/2/3'"],
    ['1,,2 * * * *', 'configuration entry minute () is empty, check for trailing spaces.'],
    ['* * * * *  *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 6'],
    ['* * * *', 'expected 5 fields (minute hour day-of-month month day-of-week), got 4'],
    ['0 0 * * * 2026', 'expected 5 fields (minute hour day-of-month month day-of-week), got 6'],
    ['', 'the expression is empty'],
    ['0 0 * FOO *', 'month field "FOO" is not a number, name, *, list, range or step in 1-12 or JAN-DEC'],
    [
      '0 0 * * FUN',
      'day-of-week field "FUN" is not a number, name, *, list, range or step in 0-7 or SUN-SAT (0 and 7 are Sunday)',
    ],
    ['0 MON * * *', 'hour field "MON" is not a number, name, *, list, range or step in 0-23'],
    [
      '0 0 * * 1x',
      'day-of-week field "1x" is not a number, name, *, list, range or step in 0-7 or SUN-SAT (0 and 7 are Sunday)',
    ],
    ['@reboot', '@reboot is not supported in this environment'],
    ['0 0 30 2 *', 'never fires: no date matches all its fields'],
    ['0 0 31 APR,JUN,SEP,NOV *', 'never fires: no date matches all its fields'],
    ['0 0 30,31 2 */2', 'never fires: no date matches all its fields'],
  ];
  it.each(cases)('rejects %j, naming the field at fault', (expression, reason) => {
    const error = parseError(expression);
    expect(error.message.startsWith(`invalid cron expression ${JSON.stringify(expression)}: ${reason}`)).toBe(
      true,
    );
    expect(error.issues[0]?.path).toEqual(['expression']);
    // croner's internal, 0-based values never reach the user.
    expect(error.message).not.toMatch(/for (day|month|minute|hour|dayOfWeek): /);
  });

  it('accepts day/month pairs that exist in some year, and Feb 30 with a weekday (OR rule)', () => {
    expect(next('0 0 29 2 *', '2026-01-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 0 31 1-2 *', '2026-01-31T00:00:00Z')).toBe('2027-01-31T00:00:00.000Z');
    // Both day fields restricted: fires on every Monday in February, so it is not impossible.
    expect(next('0 0 30 2 MON', '2026-01-01T00:00:00Z')).toBe('2026-02-02T00:00:00.000Z');
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

  it('rejects invalid dates, and schedules not made by parseCron', () => {
    const schedule = parseCron('* * * * *');
    expect(() => nextCronTime(schedule, new Date('nope'))).toThrow(InvalidInputError);
    expect(() => lastCronTimeBetween(schedule, new Date('nope'), new Date())).toThrow(
      'since must be a valid Date',
    );
    expect(() => nextCronTime({ ...schedule }, new Date())).toThrow(InvalidInputError);
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
    // croner's `+` asks for both explicitly: the 1st when it is a Monday.
    expect(next('0 0 1 * +MON', '2026-05-30T00:00:00Z')).toBe('2026-06-01T00:00:00.000Z');
    expect(next('0 0 1 * +MON', '2026-06-01T00:00:00Z')).toBe('2027-02-01T00:00:00.000Z');
  });

  it('finds Feb 29 years ahead, and the Feb 29 that falls on a Sunday decades ahead', () => {
    expect(next('0 0 29 2 *', '2026-03-01T00:00:00Z')).toBe('2028-02-29T00:00:00.000Z');
    expect(next('0 0 29 2 *', '2028-02-29T00:00:00Z')).toBe('2032-02-29T00:00:00.000Z');
    expect(next('0 0 29 2 *', '2096-03-01T00:00:00Z')).toBe('2104-02-29T00:00:00.000Z'); // 2100 is no leap year
    expect(next('0 0 29 2 */7', '2026-01-01T00:00:00Z')).toBe('2032-02-29T00:00:00.000Z'); // a Sunday
    expect(next('0 0 29 2 */7', '2032-03-01T00:00:00Z')).toBe('2060-02-29T00:00:00.000Z');
  });

  it('reads no clock: the same answers whatever the time of the call', () => {
    const schedule = parseCron('0 9 * * MON-FRI', 'Europe/Berlin');
    expect(nextCronTime(schedule, new Date('1999-12-31T12:00:00Z')).toISOString()).toBe(
      '2000-01-03T08:00:00.000Z',
    );
    expect(nextCronTime(schedule, new Date('2090-06-30T12:00:00Z')).toISOString()).toBe(
      '2090-07-03T07:00:00.000Z',
    );
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

// The daylight-saving rule documented on parseCron and in docs/triggers.md, in both directions, in
// a zone that changes at 02:00 local (America/New_York: 2026-03-08 and 2026-11-01) and one that
// changes at 02:00/03:00 local (Europe/Berlin: 2026-03-29 and 2026-10-25).
describe('daylight saving: fixed-time schedules keep their wall-clock times once a day', () => {
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

  it('America/New_York spring-forward: 01:30 is unaffected; a list in the gap fires once', () => {
    expect(nextTimes(parseCron('30 1 * * *', 'America/New_York'), '2026-03-07T12:00:00Z', 2)).toEqual([
      '2026-03-08T06:30:00.000Z', // 01:30 EST
      '2026-03-09T05:30:00.000Z', // 01:30 EDT
    ]);
    // Lists and ranges are fixed-time too (Vixie): 02:15 and 02:45 both fire, once, at 03:00 EDT.
    expect(nextTimes(parseCron('15,45 2 * * *', 'America/New_York'), '2026-03-08T06:00:00Z', 3)).toEqual([
      '2026-03-08T07:00:00.000Z',
      '2026-03-09T06:15:00.000Z',
      '2026-03-09T06:45:00.000Z',
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
    expect(nextTimes(parseCron('30 1,2 * * *', 'America/New_York'), '2026-10-31T12:00:00Z', 3)).toEqual([
      '2026-11-01T05:30:00.000Z', // 01:30 EDT
      '2026-11-01T07:30:00.000Z', // 02:30 EST; 01:30 EST does not fire again
      '2026-11-02T06:30:00.000Z',
    ]);
  });

  it('Europe/Berlin spring-forward: 02:30 fires once at 03:00 CEST', () => {
    expect(nextTimes(parseCron('30 2 * * *', 'Europe/Berlin'), '2026-03-28T12:00:00Z', 3)).toEqual([
      '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
      '2026-03-30T00:30:00.000Z', // 02:30 CEST
      '2026-03-31T00:30:00.000Z',
    ]);
  });

  it('Europe/Berlin fall-back: 02:30 fires once, at its first (CEST) occurrence', () => {
    expect(nextTimes(parseCron('30 2 * * *', 'Europe/Berlin'), '2026-10-24T12:00:00Z', 3)).toEqual([
      '2026-10-25T00:30:00.000Z', // 02:30 CEST; 02:30 CET (01:30Z) does not fire
      '2026-10-26T01:30:00.000Z', // 02:30 CET
      '2026-10-27T01:30:00.000Z',
    ]);
    expect(next('30 2 * * *', '2026-10-25T01:00:00Z', 'Europe/Berlin')).toBe('2026-10-26T01:30:00.000Z');
  });
});

describe('daylight saving: interval schedules follow real time', () => {
  it('America/New_York */15: the gap is skipped, the repeated hour fires again', () => {
    const schedule = parseCron('*/15 * * * *', 'America/New_York');
    expect(nextTimes(schedule, '2026-03-08T06:30:00Z', 3)).toEqual([
      '2026-03-08T06:45:00.000Z', // 01:45 EST
      '2026-03-08T07:00:00.000Z', // 03:00 EDT: 02:00-02:45 do not exist
      '2026-03-08T07:15:00.000Z',
    ]);
    // Every 15 minutes of real time through the repeated 01:00-01:59.
    expect(nextTimes(schedule, '2026-11-01T05:30:00Z', 7)).toEqual([
      '2026-11-01T05:45:00.000Z', // 01:45 EDT
      '2026-11-01T06:00:00.000Z', // 01:00 EST
      '2026-11-01T06:15:00.000Z',
      '2026-11-01T06:30:00.000Z',
      '2026-11-01T06:45:00.000Z', // 01:45 EST
      '2026-11-01T07:00:00.000Z', // 02:00 EST
      '2026-11-01T07:15:00.000Z',
    ]);
  });

  it('Europe/Berlin hourly: 02:00 does not exist in spring and occurs twice in autumn', () => {
    const schedule = parseCron('0 * * * *', 'Europe/Berlin');
    expect(nextTimes(schedule, '2026-03-28T23:30:00Z', 3)).toEqual([
      '2026-03-29T00:00:00.000Z', // 01:00 CET
      '2026-03-29T01:00:00.000Z', // 03:00 CEST; no 02:00
      '2026-03-29T02:00:00.000Z', // 04:00 CEST
    ]);
    expect(nextTimes(schedule, '2026-10-24T23:30:00Z', 4)).toEqual([
      '2026-10-25T00:00:00.000Z', // 02:00 CEST
      '2026-10-25T01:00:00.000Z', // 02:00 CET, again
      '2026-10-25T02:00:00.000Z', // 03:00 CET
      '2026-10-25T03:00:00.000Z',
    ]);
    // An interval schedule whose only time is in the gap does not fire that day.
    expect(next('30 */2 * * *', '2026-03-29T00:00:00Z', 'Europe/Berlin')).toBe('2026-03-29T02:30:00.000Z');
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

  it('follows the DST rules: the repeated hour for intervals, the first pass and the gap fire for fixed times', () => {
    const schedule = parseCron('*/15 * * * *', 'America/New_York');
    // 06:10Z is 01:10 EST (second pass); the latest fire is 01:00 EST = 06:00Z.
    expect(
      lastCronTimeBetween(schedule, at('2026-11-01T00:00:00Z'), at('2026-11-01T06:10:00Z'))?.toISOString(),
    ).toBe('2026-11-01T06:00:00.000Z');
    const fixed = parseCron('30 1 * * *', 'America/New_York');
    expect(
      lastCronTimeBetween(fixed, at('2026-11-01T00:00:00Z'), at('2026-11-01T06:59:00Z'))?.toISOString(),
    ).toBe('2026-11-01T05:30:00.000Z');
    expect(lastCronTimeBetween(fixed, at('2026-11-01T05:30:00Z'), at('2026-11-01T06:59:00Z'))).toBeNull();
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
  // Where `a/n` stops: the field's maximum, except day-of-week's, which stops at Saturday (6).
  openStepMax = max,
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
      const [from, to] = [token(a), token(b)];
      items.push(step === 0 ? `${from}-${to}` : `${from}-${to}/${step}`);
      // croner reads SUN ending a range as 7, so that MON-SUN is the whole week (and SUN-SUN too).
      const upper = to === 'SUN' ? 7 : b;
      for (let v = a; v <= upper; v += step === 0 ? 1 : step) values.add(v);
    } else {
      const a = int(min, max);
      const step = int(1, 7);
      items.push(`${a}/${step}`);
      for (let v = a; v <= openStepMax; v += step) values.add(v);
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
  /** A `*` or step in the minute or hour: follows real time across DST (see parseCron). */
  interval: boolean;
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
    random() < 0.5 ? { text: '*', values: new Set(range(0, 7)) } : randomField(random, 0, 7, dayNames, 0, 6);
  return {
    expression: [minute.text, hour.text, dayOfMonth.text, month.text, dayOfWeek.text].join(' '),
    minute: minute.values,
    hour: hour.values,
    dayOfMonth: dayOfMonth.values,
    month: month.values,
    dayOfWeek: new Set([...dayOfWeek.values].map((d) => d % 7)),
    both: !dayOfMonth.text.startsWith('*') && !dayOfWeek.text.startsWith('*'),
    interval: /[*/]/.test(minute.text) || /[*/]/.test(hour.text),
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
 * Every wall-clock minute from `start` to `end`: its wall time, and for the fixed-time rule the
 * walls it stands for (those skipped just before it by a gap, and itself unless it repeats a wall
 * time already seen in an overlap). Computed once per zone and window.
 */
function scanWindow(timeZone: string, start: number, end: number) {
  const clock = wallClock(timeZone);
  const minutes: Array<{ instant: number; wall: Wall; walls: Wall[] }> = [];
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
    if (instant >= start) minutes.push({ instant, wall, walls });
  }
  return minutes;
}

function oracleFires(schedule: OracleSchedule, window: ReturnType<typeof scanWindow>): number[] {
  // Interval schedules: the wall clock at each instant, so no gap time fires and repeated ones
  // fire again. Fixed-time schedules: gap times fire just after the gap, repeated ones never.
  return window
    .filter(({ wall, walls }) =>
      schedule.interval ? wallMatches(schedule, wall) : walls.some((each) => wallMatches(schedule, each)),
    )
    .map(({ instant }) => instant);
}

describe('cross-check against a brute-force minute-by-minute oracle', () => {
  // `focus` is where a chain of fires is also checked: a DST transition or a month boundary.
  const windows: Array<{ zone: string; start: string; days: number; focus: string }> = [
    { zone: 'UTC', start: '2026-02-20T00:00:00Z', days: 20, focus: '2026-02-28T22:00:00Z' },
    { zone: 'America/New_York', start: '2026-03-05T00:00:00Z', days: 6, focus: '2026-03-08T05:00:00Z' },
    { zone: 'America/New_York', start: '2026-10-29T00:00:00Z', days: 6, focus: '2026-11-01T04:00:00Z' },
    { zone: 'Europe/Berlin', start: '2026-03-27T00:00:00Z', days: 4, focus: '2026-03-29T00:00:00Z' },
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
