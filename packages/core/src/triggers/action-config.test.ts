import { describe, expect, it } from 'vitest';
import type { ActionTrigger } from '../domain/index.ts';
import { GoosukeError, InvalidInputError } from '../errors/index.ts';
import { defaultSummaryEmojis, parseActionConfig } from './action-config.ts';

function refusal(trigger: ActionTrigger, config: unknown): InvalidInputError {
  try {
    parseActionConfig(trigger, config);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(GoosukeError.isInstance(error) && error.code).toBe('invalid_input');
    const refused = error as InvalidInputError;
    expect(refused.issues.length).toBeGreaterThan(0);
    // Every issue points into the action's `config`, so an API client can place it.
    for (const issue of refused.issues) expect(issue.path[0]).toBe('config');
    return refused;
  }
  throw new Error(`expected ${trigger} config ${JSON.stringify(config)} to be refused`);
}

const paths = (error: InvalidInputError) => error.issues.map((issue) => issue.path);

describe('parseActionConfig: manual', () => {
  it('takes no settings: nothing, null and {} all give {}', () => {
    expect(parseActionConfig('manual', undefined)).toEqual({});
    expect(parseActionConfig('manual', null)).toEqual({});
    expect(parseActionConfig('manual', {})).toEqual({});
  });

  it('refuses any field, and names the trigger kind', () => {
    const error = refusal('manual', { cron: '* * * * *' });
    expect(error.message).toContain('manual action config');
    expect(error.issues[0]?.code).toBe('unrecognized_keys');
    expect(error.message).toContain('cron');
  });

  it('refuses a config that is not an object', () => {
    expect(paths(refusal('manual', 'nope'))).toEqual([['config']]);
  });
});

describe('parseActionConfig: webhook', () => {
  it('fills defaults', () => {
    expect(parseActionConfig('webhook', {})).toEqual({ github: false, githubEvents: [] });
    expect(parseActionConfig('webhook', undefined)).toEqual({ github: false, githubEvents: [] });
  });

  it('keeps the GitHub settings it is given', () => {
    expect(parseActionConfig('webhook', { github: true, githubEvents: ['push', 'pull_request'] })).toEqual({
      github: true,
      githubEvents: ['push', 'pull_request'],
    });
  });

  it('refuses an event name that is not one and a non-boolean github, at their paths', () => {
    const error = refusal('webhook', { github: 'yes', githubEvents: ['push', 'Pull Request'] });
    expect(paths(error)).toEqual(
      expect.arrayContaining([
        ['config', 'github'],
        ['config', 'githubEvents', 1],
      ]),
    );
    expect(error.issues.find((issue) => issue.path[1] === 'githubEvents')?.message).toBe(
      'a GitHub event name',
    );
  });

  it('refuses unknown fields', () => {
    const error = refusal('webhook', { github: true, secret: 'x' });
    expect(error.issues[0]?.code).toBe('unrecognized_keys');
    expect(error.message).toContain('secret');
  });
});

describe('parseActionConfig: discord-reaction', () => {
  it('defaults to the pencil and the memo, everywhere, for everyone, 200 messages or 24 hours', () => {
    expect(defaultSummaryEmojis).toEqual(['✏️', '📝']);
    expect(parseActionConfig('discord-reaction', {})).toEqual({
      emojis: ['✏️', '📝'],
      guildIds: [],
      channelIds: [],
      roleIds: [],
      window: { messages: 200, hours: 24 },
    });
  });

  it('does not share the default emoji list between results', () => {
    const first = parseActionConfig('discord-reaction', {});
    first.emojis.push('🔥');
    expect(parseActionConfig('discord-reaction', {}).emojis).toEqual(['✏️', '📝']);
    expect(defaultSummaryEmojis).toEqual(['✏️', '📝']);
  });

  it('fills the window field that was left out', () => {
    expect(parseActionConfig('discord-reaction', { window: { messages: 50 } }).window).toEqual({
      messages: 50,
      hours: 24,
    });
  });

  it('keeps given emoji and ids', () => {
    const config = parseActionConfig('discord-reaction', {
      emojis: ['summary'],
      guildIds: ['123456789012345678'],
      channelIds: ['1'],
      roleIds: ['42'],
    });
    expect(config).toMatchObject({
      emojis: ['summary'],
      guildIds: ['123456789012345678'],
      channelIds: ['1'],
      roleIds: ['42'],
    });
  });

  it('refuses ids that are not digits, at the index of each', () => {
    const error = refusal('discord-reaction', {
      guildIds: ['123', 'guild-1'],
      channelIds: ['<#123>'],
      roleIds: ['1'.repeat(21)],
    });
    expect(paths(error)).toEqual([
      ['config', 'guildIds', 1],
      ['config', 'channelIds', 0],
      ['config', 'roleIds', 0],
    ]);
    for (const issue of error.issues) expect(issue.message).toBe('a Discord id (digits)');
    expect(error.message).toContain('at config.guildIds.1');
  });

  it('refuses an empty emoji list, an empty emoji and a window out of range', () => {
    expect(paths(refusal('discord-reaction', { emojis: [] }))).toEqual([['config', 'emojis']]);
    expect(paths(refusal('discord-reaction', { emojis: ['✏️', ''] }))).toEqual([['config', 'emojis', 1]]);
    expect(paths(refusal('discord-reaction', { window: { messages: 0, hours: 24 * 31 } }))).toEqual([
      ['config', 'window', 'messages'],
      ['config', 'window', 'hours'],
    ]);
  });

  it('refuses unknown fields, also inside the window', () => {
    expect(refusal('discord-reaction', { emoji: '✏️' }).message).toContain('emoji');
    expect(paths(refusal('discord-reaction', { window: { days: 2 } }))).toEqual([['config', 'window']]);
  });
});

describe('parseActionConfig: discord-command', () => {
  it('defaults to no limits', () => {
    expect(parseActionConfig('discord-command', {})).toEqual({ guildIds: [], channelIds: [], roleIds: [] });
  });

  it('refuses non-digit ids and the reaction-only fields', () => {
    expect(paths(refusal('discord-command', { roleIds: ['admin'] }))).toEqual([['config', 'roleIds', 0]]);
    expect(refusal('discord-command', { emojis: ['✏️'] }).issues[0]?.code).toBe('unrecognized_keys');
  });
});

describe('parseActionConfig: schedule', () => {
  it('fills the time zone and the parameters', () => {
    expect(parseActionConfig('schedule', { cron: '0 9 * * MON-FRI' })).toEqual({
      cron: '0 9 * * MON-FRI',
      timeZone: 'UTC',
      parameters: {},
    });
  });

  it('keeps a macro, a time zone and scalar parameters', () => {
    expect(
      parseActionConfig('schedule', {
        cron: '@daily',
        timeZone: 'Asia/Tokyo',
        parameters: { topic: 'release', count: 3, dry: false },
      }),
    ).toEqual({
      cron: '@daily',
      timeZone: 'Asia/Tokyo',
      parameters: { topic: 'release', count: 3, dry: false },
    });
  });

  it('needs a cron expression', () => {
    expect(paths(refusal('schedule', {}))).toEqual([['config', 'cron']]);
    expect(paths(refusal('schedule', undefined))).toEqual([['config', 'cron']]);
  });

  it("refuses a bad cron expression with parseCron's message naming the field and the value", () => {
    const error = refusal('schedule', { cron: '61 * * * *' });
    expect(paths(error)).toEqual([['config', 'cron']]);
    expect(error.issues[0]?.message).toBe(
      'invalid cron expression "61 * * * *": minute field "61" has a value out of range 0-59',
    );
    expect(error.message).toBe(
      'invalid schedule action config at config.cron: invalid cron expression "61 * * * *": minute field "61" has a value out of range 0-59',
    );
  });

  it('refuses a wrong field count and a schedule that never fires', () => {
    expect(refusal('schedule', { cron: '* * *' }).issues[0]?.message).toContain('"* * *"');
    expect(refusal('schedule', { cron: '0 0 30 2 *' }).issues[0]?.message).toContain('0 0 30 2 *');
  });

  it('refuses an unknown time zone, naming it', () => {
    const error = refusal('schedule', { cron: '0 * * * *', timeZone: 'Mars/Olympus_Mons' });
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0]?.path).toEqual(['config', 'timeZone']);
    expect(error.issues[0]?.message).toContain('time zone');
    expect(error.issues[0]?.message).toContain('"Mars/Olympus_Mons"');
  });

  it('refuses parameters that are not scalars, and unknown fields', () => {
    expect(paths(refusal('schedule', { cron: '@hourly', parameters: { list: ['a'] } }))).toEqual([
      ['config', 'parameters', 'list'],
    ]);
    const error = refusal('schedule', { cron: '@hourly', every: '1h' });
    expect(error.issues[0]?.code).toBe('unrecognized_keys');
    expect(error.message).toContain('every');
  });
});
