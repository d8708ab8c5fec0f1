import type { Action, Run, Task, Template } from '../domain/index.ts';
import type { DiscordPolicyReason } from './discord-policy.ts';
import type { DiscordConversationWindow } from './discord-routing.ts';

/**
 * Why Goosuke says no to a Discord request: a policy reason ({@link DiscordPolicyReason}), no
 * action for the request (`no-action`), no model to run on (`no-model`), the guild's daily cap
 * (`daily-cap`), an empty conversation (`empty-conversation`), a `since` message in another
 * channel (`other-channel`), or a member who may not change the guild's settings (`manage-guild`).
 */
export type DiscordRefusalReason =
  | DiscordPolicyReason
  | 'no-action'
  | 'no-model'
  | 'daily-cap'
  | 'empty-conversation'
  | 'other-channel'
  | 'manage-guild';

/**
 * A refusal the adapter shows as it is: `message` is one short sentence for the member (never a
 * secret). `quiet` asks for a reply without a notification (a reaction by someone without an
 * allowed role). For `daily-cap`, `usage` is the guild's count today and its cap.
 */
export interface DiscordRefusal {
  kind: 'refused';
  reason: DiscordRefusalReason;
  message: string;
  quiet: boolean;
  usage?: { used: number; cap: number };
}

/**
 * Nothing to do and nothing to say (a reaction where Goosuke is off, in a channel it does not
 * work in, or with an emoji no action takes): the adapter stays silent.
 */
export interface DiscordIgnored {
  kind: 'ignored';
  reason: DiscordPolicyReason | 'no-action';
}

/**
 * A request the policy admits, and what it will run: the action, its template, and the
 * conversation the adapter collects before triggering (null: the template takes none, or a
 * command, whose values the member gives).
 */
export interface DiscordRouted {
  kind: 'routed';
  action: Action;
  template: Template;
  conversation: DiscordConversationWindow | null;
}

/** What {@link DiscordTriggerService.route} decided. */
export type DiscordRoute = DiscordRouted | DiscordRefusal | DiscordIgnored;

/**
 * A started task: its runs, the action and template it came from; `created` is false when an
 * earlier delivery of the same request (its idempotency key) had started it: nothing new runs.
 */
export interface DiscordStarted {
  kind: 'started';
  task: Task;
  runs: Run[];
  created: boolean;
  action: Action;
  template: Template;
}

/** What {@link DiscordTriggerService.trigger} came to. */
export type DiscordTriggerOutcome = DiscordStarted | DiscordRefusal | DiscordIgnored;

/** A refusal with its reason and text. */
export function discordRefusal(
  reason: DiscordRefusalReason,
  message: string,
  extra: { quiet?: boolean; usage?: { used: number; cap: number } } = {},
): DiscordRefusal {
  return {
    kind: 'refused',
    reason,
    message,
    quiet: extra.quiet ?? false,
    ...(extra.usage === undefined ? {} : { usage: extra.usage }),
  };
}

/**
 * What a member reads when the policy refuses a command: about the guild for its settings, about
 * the action (by name) for its own limits.
 */
export function policyRefusalText(reason: DiscordPolicyReason, actionName: string | null): string {
  switch (reason) {
    case 'disabled':
      return 'Goosuke is turned off in this server.';
    case 'channel':
      return 'Goosuke does not work in this channel.';
    case 'action-guild':
      return `${actionName ?? 'This'} is not available in this server.`;
    case 'action-channel':
      return `${actionName ?? 'This'} is not available in this channel.`;
    case 'role':
      return 'You do not have a role that may use this.';
  }
}

/** The daily cap's refusal text. */
export function dailyCapText(usage: { used: number; cap: number }): string {
  return `This server has used ${usage.used} of its ${usage.cap} Goosuke runs today; try again tomorrow (UTC).`;
}
