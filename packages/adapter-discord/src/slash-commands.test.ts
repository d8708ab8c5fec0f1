import { InvalidInputError } from '@goosuke/core';
import { ApplicationCommandOptionType } from 'discord.js';
import { describe, expect, it } from 'vitest';
import {
  commandName,
  goosukeCommand,
  maximumSummarizeLast,
  messageIdOf,
  parseIdList,
  parseParams,
} from './slash-commands.ts';

describe('parseParams', () => {
  it('reads k=v separated by ; or newlines, trimming, with = allowed in values', () => {
    expect(parseParams('a=1; b=x=y')).toEqual({ a: '1', b: 'x=y' });
    expect(parseParams('  a = 1 \nb=two words\n c=')).toEqual({ a: '1', b: 'two words', c: '' });
    expect(parseParams('a=1;;\n\n ; b=2;')).toEqual({ a: '1', b: '2' });
    expect(parseParams('')).toEqual({});
    expect(parseParams('  ')).toEqual({});
  });

  it('rejects a part without =, an empty name and a name given twice', () => {
    expect(() => parseParams('a=1; oops')).toThrow(InvalidInputError);
    expect(() => parseParams('a=1; oops')).toThrow(/oops/);
    expect(() => parseParams('=1')).toThrow(InvalidInputError);
    expect(() => parseParams(' = 1')).toThrow(/no parameter name/);
    expect(() => parseParams('a=1; a=2')).toThrow(InvalidInputError);
    expect(() => parseParams('a=1\n a =2')).toThrow(/given twice/);
  });

  it('keeps an ordinary name that shadows an Object.prototype member', () => {
    expect(parseParams('constructor=y; toString=z')).toEqual({ constructor: 'y', toString: 'z' });
  });

  // Assigning `__proto__` on a plain object would set its prototype and drop the value silently.
  it('refuses a parameter named __proto__ rather than dropping it silently', () => {
    expect(() => parseParams('__proto__=x; a=1')).toThrow(/__proto__ is not a parameter name/);
  });
});

describe('parseIdList', () => {
  it('reads channel and role mentions and plain ids, deduplicated, in order', () => {
    expect(parseIdList('<#1234567> <@&7654321>')).toEqual(['1234567', '7654321']);
    expect(parseIdList('1234567, 300000000000000001\n<#1234567>')).toEqual(['1234567', '300000000000000001']);
  });

  it('reads "all", "*" and empty text as no restriction', () => {
    expect(parseIdList('all')).toEqual([]);
    expect(parseIdList(' ALL ')).toEqual([]);
    expect(parseIdList('*')).toEqual([]);
    expect(parseIdList('')).toEqual([]);
    expect(parseIdList('   ')).toEqual([]);
  });

  it('rejects text without any id', () => {
    expect(() => parseIdList('general')).toThrow(InvalidInputError);
    expect(() => parseIdList('<#12>')).toThrow(InvalidInputError);
    expect(() => parseIdList('all of them')).toThrow(InvalidInputError);
  });
});

describe('messageIdOf', () => {
  it('reads a message link into channel and message ids', () => {
    expect(
      messageIdOf('https://discord.com/channels/200000000000000001/300000000000000001/600000000000000001'),
    ).toEqual({ channelId: '300000000000000001', messageId: '600000000000000001' });
    expect(messageIdOf('https://discord.com/channels/@me/3000001/6000001')).toEqual({
      channelId: '3000001',
      messageId: '6000001',
    });
  });

  it('reads a bare id (with spaces around) without a channel', () => {
    expect(messageIdOf(' 600000000000000001 ')).toEqual({ channelId: null, messageId: '600000000000000001' });
  });

  it('rejects anything else', () => {
    expect(() => messageIdOf('yesterday')).toThrow(InvalidInputError);
    expect(() => messageIdOf('')).toThrow(InvalidInputError);
    expect(() => messageIdOf('1234')).toThrow(InvalidInputError);
    expect(() => messageIdOf('https://discord.com/channels/1/2')).toThrow(InvalidInputError);
  });
});

describe('goosukeCommand', () => {
  type Option = {
    type: number;
    name: string;
    options?: Option[];
    min_value?: number;
    max_value?: number;
    autocomplete?: boolean;
    required?: boolean;
  };
  const options = (goosukeCommand.options ?? []) as Option[];
  const sub = (name: string): Option => {
    const found = options.find((option) => option.name === name);
    if (!found) throw new Error(`no subcommand ${name}`);
    return found;
  };

  it('is /goosuke with the subcommands summarize, run, status and config, not in DMs', () => {
    expect(goosukeCommand.name).toBe(commandName);
    expect(commandName).toBe('goosuke');
    expect(goosukeCommand.dm_permission).toBe(false);
    expect(options.map((option) => option.name)).toEqual(['summarize', 'run', 'status', 'config']);
    for (const option of options) expect(option.type).toBe(ApplicationCommandOptionType.Subcommand);
  });

  it('bounds summarize last to 1..500 and takes since as text', () => {
    const last = sub('summarize').options?.find((option) => option.name === 'last');
    expect(last?.type).toBe(ApplicationCommandOptionType.Integer);
    expect(last?.min_value).toBe(1);
    expect(last?.max_value).toBe(500);
    expect(maximumSummarizeLast).toBe(500);
    const since = sub('summarize').options?.find((option) => option.name === 'since');
    expect(since?.type).toBe(ApplicationCommandOptionType.String);
  });

  it('autocompletes run template, which is required', () => {
    const template = sub('run').options?.find((option) => option.name === 'template');
    expect(template?.type).toBe(ApplicationCommandOptionType.String);
    expect(template?.autocomplete).toBe(true);
    expect(template?.required).toBe(true);
    expect(sub('run').options?.some((option) => option.name === 'params')).toBe(true);
  });

  it('has no options on status and the settings on config', () => {
    expect(sub('status').options ?? []).toEqual([]);
    expect(sub('config').options?.map((option) => option.name)).toEqual([
      'enabled',
      'language',
      'daily_cap',
      'channels',
      'roles',
      'emoji',
    ]);
  });
});
