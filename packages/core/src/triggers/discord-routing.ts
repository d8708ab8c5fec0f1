import { type ConversationMessage, formatConversation } from '../agents/summarize-conversation.ts';
import type { Action, Template } from '../domain/index.ts';
import { type DiscordReactionTriggerConfig, parseActionConfig } from './action-config.ts';
import { summarizeConversationTemplateName } from './built-in-templates.ts';
import { type DiscordEmoji, emojiMatches } from './discord-emoji.ts';
import type { DiscordGuildConfig } from './discord-guild-config.ts';
import { type DiscordPlace, discordActionLimits, limitsAdmitPlace } from './discord-policy.ts';

/**
 * Which messages the adapter collects before triggering, newest last:
 * - `marked`: back from the reacted message (included) to the previous message marked with one of
 *   `markers` (excluded), at most `maxMessages` messages and `maxAgeMs` older than the reacted one;
 * - `thread`: the whole thread, with its starter message;
 * - `last`: the last `count` messages;
 * - `since`: from the message `messageId` (included) to now.
 */
export type DiscordConversationWindow =
  | { kind: 'marked'; markers: string[]; maxMessages: number; maxAgeMs: number }
  | { kind: 'thread' }
  | { kind: 'last'; count: number }
  | { kind: 'since'; messageId: string };

/** A reaction action found for an emoji, with its reaction settings when it is a `discord-reaction` action. */
export interface ReactionRoute {
  action: Action;
  settings: DiscordReactionTriggerConfig | null;
}

/**
 * The action an emoji asks for at a place: the first enabled `discord-reaction` action whose
 * emoji include it and whose guild and channel limits admit the place, else the action the
 * guild's `emojiActions` maps the emoji to (by name or id, any trigger). Null when none does.
 * `actions` are the enabled actions, in the order they are tried.
 */
export function pickReactionAction(
  actions: readonly Action[],
  config: Pick<DiscordGuildConfig, 'emojiActions'>,
  emoji: DiscordEmoji,
  place: DiscordPlace,
): ReactionRoute | null {
  for (const action of actions) {
    if (action.trigger !== 'discord-reaction') continue;
    const settings = parseActionConfig('discord-reaction', action.config);
    if (!emojiMatches(emoji, settings.emojis)) continue;
    if (!limitsAdmitPlace(discordActionLimits(action), place)) continue;
    return { action, settings };
  }
  for (const [mapped, name] of Object.entries(config.emojiActions)) {
    if (!emojiMatches(emoji, [mapped])) continue;
    const action = actions.find((each) => each.name === name || each.id === name);
    if (action === undefined) continue;
    const settings =
      action.trigger === 'discord-reaction' ? parseActionConfig('discord-reaction', action.config) : null;
    return { action, settings };
  }
  return null;
}

/**
 * The conversation a reaction reads: the whole thread inside a thread; elsewhere back to the
 * previous message marked with one of the action's emoji (the reacted emoji for a mapped action),
 * within the guild's summary window and the action's own, whichever is smaller.
 */
export function reactionWindow(
  config: Pick<DiscordGuildConfig, 'summaryWindow'>,
  route: ReactionRoute,
  emoji: DiscordEmoji,
  place: DiscordPlace,
): DiscordConversationWindow {
  if (place.parentId !== null) return { kind: 'thread' };
  const own = route.settings?.window;
  return {
    kind: 'marked',
    markers: route.settings?.emojis ?? [emoji.name ?? ''],
    maxMessages: Math.min(config.summaryWindow.messages, own?.messages ?? Number.POSITIVE_INFINITY),
    maxAgeMs: Math.min(config.summaryWindow.hours, own?.hours ?? Number.POSITIVE_INFINITY) * 3_600_000,
  };
}

/**
 * The conversation `/goosuke summarize` reads: from a given message, the last `last` messages, the
 * whole thread inside a thread, else the last messages of the guild's summary window.
 */
export function summarizeWindow(
  config: Pick<DiscordGuildConfig, 'summaryWindow'>,
  request: { last?: number | undefined; sinceMessageId?: string | undefined },
  place: DiscordPlace,
): DiscordConversationWindow {
  if (request.sinceMessageId !== undefined) return { kind: 'since', messageId: request.sinceMessageId };
  if (request.last !== undefined) return { kind: 'last', count: request.last };
  if (place.parentId !== null) return { kind: 'thread' };
  return { kind: 'last', count: config.summaryWindow.messages };
}

/**
 * The action `/goosuke summarize` starts: an enabled action on the summary template, a
 * `discord-reaction` one first, the first whose limits admit the place, else the first (which the
 * policy then refuses with its limit). Null when no enabled action uses the template.
 */
export function pickSummaryAction(
  actions: readonly Action[],
  summaryTemplateId: string,
  place: DiscordPlace,
): Action | null {
  const candidates = actions
    .filter((action) => action.templateId === summaryTemplateId)
    .sort((a, b) => Number(b.trigger === 'discord-reaction') - Number(a.trigger === 'discord-reaction'));
  return (
    candidates.find((action) => limitsAdmitPlace(discordActionLimits(action), place)) ?? candidates[0] ?? null
  );
}

/** Whether the template takes a parameter of that name. */
export function templateTakes(template: Pick<Template, 'parameters'>, name: string): boolean {
  return template.parameters.some((parameter) => parameter.name === name);
}

/** What Discord gives a template besides explicit parameters. */
export interface DiscordTemplateInput {
  /** The collected conversation, for a template that takes `conversation`. */
  conversation?: readonly ConversationMessage[] | undefined;
  /** The reacted message's text, for a template that takes `message`. */
  message?: string | undefined;
  /** The guild's summary language, for the built-in summary template's `language`. */
  language: DiscordGuildConfig['language'];
  /** Values the member gave (`/goosuke run params:` or its form); they win. */
  parameters: Readonly<Record<string, string>>;
}

/**
 * Fills a template's parameters from Discord: `conversation` (written by `formatConversation`) and
 * `message` as untrusted data when the template takes them, the guild's language for the built-in
 * summary template, then the member's own values over them.
 */
export function fillDiscordParameters(
  template: Pick<Template, 'name' | 'parameters'>,
  input: DiscordTemplateInput,
): { parameters: Record<string, string>; untrusted: string[] } {
  const parameters: Record<string, string> = {};
  const untrusted: string[] = [];
  if (input.conversation !== undefined && templateTakes(template, 'conversation')) {
    parameters.conversation = formatConversation(input.conversation);
    untrusted.push('conversation');
  }
  if (input.message !== undefined && templateTakes(template, 'message')) {
    parameters.message = input.message;
    untrusted.push('message');
  }
  if (template.name === summarizeConversationTemplateName && templateTakes(template, 'language')) {
    parameters.language = input.language;
  }
  Object.assign(parameters, input.parameters);
  return { parameters, untrusted };
}
