import { describe, expect, it } from 'vitest';
import type { Action } from '../domain/index.ts';
import { buildAction, buildTemplate } from '../testing/index.ts';
import { summarizeConversationTemplate } from './built-in-templates.ts';
import { defaultDiscordGuildConfig } from './discord-guild-config.ts';
import type { DiscordPlace } from './discord-policy.ts';
import {
  fillDiscordParameters,
  pickReactionAction,
  pickSummaryAction,
  reactionWindow,
  summarizeWindow,
} from './discord-routing.ts';

const GUILD = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const CHANNEL = '200000000000000001';
const OTHER_CHANNEL = '200000000000000002';
const THREAD = '200000000000000003';
const place: DiscordPlace = { guildId: GUILD, channelId: CHANNEL, parentId: null };
const thread: DiscordPlace = { guildId: GUILD, channelId: THREAD, parentId: CHANNEL };
const pencil = { name: '✏️', id: null };
const hour = 3_600_000;

const reaction = (name: string, config: Action['config'] = {}): Action =>
  buildAction({ name, trigger: 'discord-reaction', config });

describe('pickReactionAction', () => {
  const summary = reaction('discord-summary');
  const elsewhere = reaction('elsewhere', { guildIds: [OTHER_GUILD] });
  const bugs = reaction('bugs', { emojis: ['🐛'], channelIds: [OTHER_CHANNEL] });
  const explain = buildAction({ name: 'explain', trigger: 'manual', config: {} });
  const config = { emojiActions: { '🔍': 'explain', '🐛': 'explain', '👀': 'missing' } };

  it.each([
    ['the pencil, by the default emoji', [summary], pencil, place, 'discord-summary'],
    ['the memo', [summary], { name: '📝', id: null }, place, 'discord-summary'],
    ['skipping an action limited to another guild', [elsewhere, summary], pencil, place, 'discord-summary'],
    ['nothing when only other guilds have one', [elsewhere], pencil, place, null],
    ['an emoji no action takes', [summary], { name: '👍', id: null }, place, null],
    [
      'a mapped emoji, to an action of any trigger',
      [summary, explain],
      { name: '🔍', id: null },
      place,
      'explain',
    ],
    ['a mapped emoji whose action is gone', [summary], { name: '👀', id: null }, place, null],
    [
      'an action of its own before the mapping',
      [bugs, explain],
      { name: '🐛', id: null },
      { ...place, channelId: OTHER_CHANNEL },
      'bugs',
    ],
    [
      'the mapping when the action of its own is limited elsewhere',
      [bugs, explain],
      { name: '🐛', id: null },
      place,
      'explain',
    ],
  ] as const)('%s', (_name, actions, emoji, where, expected) => {
    expect(pickReactionAction(actions, config, emoji, where)?.action.name ?? null).toBe(expected);
  });

  it('maps by action id too, and keeps the reaction settings of a mapped reaction action', () => {
    const found = pickReactionAction(
      [summary],
      { emojiActions: { '⭐': summary.id } },
      { name: '⭐', id: null },
      place,
    );
    expect(found?.action).toBe(summary);
    expect(found?.settings?.emojis).toEqual(['✏️', '📝']);
  });
});

describe('conversation windows', () => {
  const route = { action: reaction('s'), settings: null };

  it('reads a reaction back to the previous mark, within the smaller of the guild and action windows', () => {
    const action = reaction('narrow', { emojis: ['📌'], window: { messages: 500, hours: 2 } });
    const found = pickReactionAction([action], { emojiActions: {} }, { name: '📌', id: null }, place)!;
    expect(reactionWindow(defaultDiscordGuildConfig, found, { name: '📌', id: null }, place)).toEqual({
      kind: 'marked',
      markers: ['📌'],
      maxMessages: 200,
      maxAgeMs: 2 * hour,
    });
  });

  it('marks with the reacted emoji for a mapped action without reaction settings', () => {
    expect(
      reactionWindow({ summaryWindow: { messages: 20, hours: 48 } }, route, { name: '🔍', id: null }, place),
    ).toEqual({ kind: 'marked', markers: ['🔍'], maxMessages: 20, maxAgeMs: 48 * hour });
  });

  it('reads the whole thread inside a thread', () => {
    expect(reactionWindow(defaultDiscordGuildConfig, route, pencil, thread)).toEqual({ kind: 'thread' });
  });

  it.each([
    [
      'since a message',
      { sinceMessageId: '900000000000000001', last: 5 },
      place,
      { kind: 'since', messageId: '900000000000000001' },
    ],
    ['the last messages asked for', { last: 5 }, thread, { kind: 'last', count: 5 }],
    ['the whole thread', {}, thread, { kind: 'thread' }],
    ['the guild window elsewhere', {}, place, { kind: 'last', count: 200 }],
  ] as const)('summarizes %s', (_name, request, where, expected) => {
    expect(summarizeWindow(defaultDiscordGuildConfig, request, where)).toEqual(expected);
  });
});

describe('pickSummaryAction', () => {
  const templateId = 'template_summary';
  const manual = buildAction({ name: 'manual-summary', templateId, trigger: 'manual', config: {} });
  const onReaction = buildAction({
    name: 'reaction-summary',
    templateId,
    trigger: 'discord-reaction',
    config: {},
  });
  const otherGuild = buildAction({
    name: 'other-guild-summary',
    templateId,
    trigger: 'discord-reaction',
    config: { guildIds: [OTHER_GUILD] },
  });
  const unrelated = buildAction({ name: 'unrelated', trigger: 'discord-reaction', config: {} });

  it.each([
    ['a reaction action before another trigger', [manual, onReaction], 'reaction-summary'],
    ['one available here before one limited elsewhere', [otherGuild, onReaction, manual], 'reaction-summary'],
    ['the first when none is available here (the policy refuses it)', [otherGuild], 'other-guild-summary'],
    ['another trigger when no reaction action uses the template', [unrelated, manual], 'manual-summary'],
    ['none without an action on the template', [unrelated], null],
  ] as const)('%s', (_name, actions, expected) => {
    expect(pickSummaryAction(actions, templateId, place)?.name ?? null).toBe(expected);
  });
});

describe('fillDiscordParameters', () => {
  const summary = { ...summarizeConversationTemplate };
  const conversation = [
    { author: 'Alice', text: 'Ship on Friday?', at: '2026-01-02 10:00' },
    { author: 'Bob', text: 'Yes', replyTo: 'Alice' },
  ];

  it('gives the summary template the conversation as untrusted data and the guild language', () => {
    expect(fillDiscordParameters(summary, { conversation, language: 'ja', parameters: {} })).toEqual({
      parameters: {
        conversation: '[2026-01-02 10:00] Alice: Ship on Friday?\nBob (reply to Alice): Yes',
        language: 'ja',
      },
      untrusted: ['conversation'],
    });
  });

  it('gives the reacted message to templates that take it, and nothing they do not take', () => {
    const explain = buildTemplate({
      name: 'explain',
      parameters: [
        { name: 'message', type: 'text', description: '', required: true, options: null, default: null },
      ],
    });
    expect(
      fillDiscordParameters(explain, {
        conversation,
        message: 'Monads are burritos.',
        language: 'en',
        parameters: {},
      }),
    ).toEqual({ parameters: { message: 'Monads are burritos.' }, untrusted: ['message'] });
  });

  it('lets the member’s values win, and sets no language on other templates', () => {
    const other = buildTemplate({
      name: 'translate',
      parameters: [
        { name: 'language', type: 'string', description: '', required: true, options: null, default: null },
      ],
    });
    expect(fillDiscordParameters(other, { language: 'ja', parameters: { language: 'fr' } })).toEqual({
      parameters: { language: 'fr' },
      untrusted: [],
    });
    expect(
      fillDiscordParameters(summary, { conversation, language: 'ja', parameters: { language: 'en' } })
        .parameters.language,
    ).toBe('en');
  });
});
