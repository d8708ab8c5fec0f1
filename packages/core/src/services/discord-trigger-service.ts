import { z } from 'zod';
import type { ConversationMessage } from '../agents/summarize-conversation.ts';
import { type Action, idSchema, type Template } from '../domain/index.ts';
import { GoosukeError } from '../errors/index.ts';
import { collectPages } from '../ports/store.ts';
import { discordIdSchema } from '../triggers/action-config.ts';
import { type DiscordGuildConfig, discordGuildConfigInputSchema } from '../triggers/discord-guild-config.ts';
import {
  type DiscordRefusal,
  type DiscordRoute,
  type DiscordTriggerOutcome,
  dailyCapText,
  discordRefusal,
  policyRefusalText,
} from '../triggers/discord-outcome.ts';
import {
  type DiscordMember,
  discordActionLimits,
  discordMemberSchema,
  discordPlaceSchema,
  evaluateDiscordPolicy,
  limitsAdmitPlace,
  noDiscordActionLimits,
} from '../triggers/discord-policy.ts';
import {
  fillDiscordParameters,
  pickReactionAction,
  pickSummaryAction,
  reactionWindow,
  summarizeWindow,
  templateTakes,
} from '../triggers/discord-routing.ts';
import { maximumTextParameterLength } from '../triggers/render-template.ts';
import type { ActionService } from './action-service.ts';
import type { DiscordGuildService } from './discord-service.ts';
import type { ModelProfileService } from './model-profile-service.ts';
import { parseInput } from './parse-input.ts';
import type { TemplateService } from './template-service.ts';

/** The name of the action created when no action summarizes on reactions yet. */
export const defaultDiscordSummaryActionName = 'discord-summary';

/** The most messages `/goosuke summarize last:` asks for. */
export const maximumDiscordSummarizeLast = 500;

/**
 * What a member asked for: a `reaction` (the emoji), `/goosuke summarize` (the last `last`
 * messages, or from the message `since` names), or `/goosuke run` (`name`: an action's name or
 * id, or its template's name).
 */
export const discordRequestSchema = z
  .discriminatedUnion('kind', [
    z
      .object({
        kind: z.literal('reaction'),
        emoji: z
          .object({ name: z.string().min(1).max(100).nullable(), id: discordIdSchema.nullable() })
          .strict(),
      })
      .strict(),
    z
      .object({
        kind: z.literal('summarize'),
        last: z.number().int().min(1).max(maximumDiscordSummarizeLast).optional(),
        /** The first message; `channelId` when the member linked it (it must be this channel). */
        since: z
          .object({ channelId: discordIdSchema.nullable().default(null), messageId: discordIdSchema })
          .strict()
          .optional(),
      })
      .strict(),
    z.object({ kind: z.literal('command'), name: z.string().trim().min(1).max(200) }).strict(),
  ])
  .meta({ id: 'DiscordRequest' });
/** A reaction, `/goosuke summarize` or `/goosuke run`. */
export type DiscordRequest = z.infer<typeof discordRequestSchema>;

/** A member as given to the Discord entry points (`canManageGuild` defaults to false). */
export type DiscordMemberInput = z.input<typeof discordMemberSchema>;

/**
 * The member, or a function that looks them up: called only when a rule needs them (roles,
 * a command's title), at most once per call; looking a member up costs Discord a request.
 */
const memberSourceSchema = z.union([
  discordMemberSchema,
  z.custom<() => Promise<DiscordMemberInput>>((value) => typeof value === 'function', {
    message: 'a member, or a function that looks one up',
  }),
]);

/** Input of {@link DiscordTriggerService.route}. */
export const discordRouteInputSchema = z
  .object({ place: discordPlaceSchema, member: memberSourceSchema, request: discordRequestSchema })
  .strict()
  .meta({ id: 'DiscordRouteInput' });
/** Where, who and what: everything routing a Discord request needs. */
export type DiscordRouteInput = z.input<typeof discordRouteInputSchema>;

/** One collected message (see `formatConversation`). */
const conversationMessageSchema = z
  .object({
    author: z.string().max(200),
    text: z.string().max(maximumTextParameterLength),
    at: z.string().max(40).optional(),
    replyTo: z.string().max(200).optional(),
  })
  .strict() satisfies z.ZodType<ConversationMessage>;

/** Input of {@link DiscordTriggerService.trigger}: the route input and what the adapter collected. */
export const discordTriggerInputSchema = discordRouteInputSchema
  .extend({
    /** The messages of the window `route` gave, oldest first. */
    conversation: z.array(conversationMessageSchema).max(1000).optional(),
    /** The reacted message's text (for templates that take `message`). */
    message: z.string().max(maximumTextParameterLength).optional(),
    /** Values the member gave (`/goosuke run params:` or its form). */
    parameters: z.record(z.string(), z.string()).default({}),
    /** Makes a redelivered event return the first delivery's task (e.g. `discord:interaction:<id>`). */
    idempotencyKey: z.string().min(1).max(190),
    /** The channel's name, for the task title. */
    channelName: z.string().max(100).optional(),
    /**
     * Model profiles for templates without default models (the built-in summary template has
     * none), e.g. the bot's `GOOSUKE_DEFAULT_MODEL`; else the first stored profile.
     */
    defaultModels: z.array(idSchema).max(16).default([]),
  })
  .strict()
  .meta({ id: 'DiscordTriggerInput' });
/** A Discord request with the conversation collected for it. */
export type DiscordTriggerInput = z.input<typeof discordTriggerInputSchema>;

/** Input of {@link DiscordTriggerService.configure}. */
export const discordConfigureInputSchema = z
  .object({
    guildId: discordIdSchema,
    member: discordMemberSchema.pick({ canManageGuild: true }).strict(),
    change: discordGuildConfigInputSchema.default({}),
    /** Maps `emoji` to an action (by name or id), or removes its mapping (`action` null or empty). */
    emojiAction: z
      .object({ emoji: z.string().trim().min(1).max(100), action: z.string().trim().max(200).nullable() })
      .strict()
      .optional(),
  })
  .strict()
  .meta({ id: 'DiscordConfigureInput' });
/** A member's change to a guild's settings. */
export type DiscordConfigureInput = z.input<typeof discordConfigureInputSchema>;

/** What {@link DiscordTriggerService.configure} came to: the settings as they now are, or a refusal. */
export type DiscordConfigureOutcome =
  | { kind: 'configured'; changed: boolean; config: DiscordGuildConfig }
  | DiscordRefusal;

/**
 * Discord as a trigger source (the equivalent of `actions.receiveWebhook`): every decision the
 * bot used to make, so that the bot only speaks discord.js. Two steps because collecting a
 * conversation needs Discord: `route` says what the request would run and which messages to
 * collect, then `trigger` starts it. Both apply the same policy, so a change in between counts.
 */
export interface DiscordTriggerService {
  /**
   * Makes sure an action summarizes on reactions: when no enabled `discord-reaction` action and no
   * enabled `discord-summary` exist, creates `discord-summary` on the built-in summary template
   * (✏️ and 📝). Returns the action it created, else null (another process creating it at the
   * same time, or a disabled one keeping the name, is not an error).
   */
  ensureSummaryAction(): Promise<Action | null>;
  /**
   * Picks the action (a reaction's emoji among `discord-reaction` actions, then the guild's
   * `emojiActions`; the summary action; a `discord-command` action by name, id or template name),
   * applies the policy (the guild's enabled flag, channels and roles, the action's guilds,
   * channels and roles) and says which conversation to collect. A reaction nobody may act on
   * here is ignored (silence), except a member without an allowed role, who is refused quietly.
   * InvalidInputError for malformed input.
   */
  route(input: DiscordRouteInput): Promise<DiscordRoute>;
  /**
   * Routes again, fills the template (the conversation and the reacted message as untrusted
   * data, the guild's language for the built-in summary template, the member's values), picks
   * the models and agents (the template's defaults, else `defaultModels`, else the first stored profile), counts the
   * runs against the guild's daily cap and starts the task through `actions.trigger`. Runs are
   * counted only when they start: given back when the trigger fails (which then rethrows) or
   * finds the task an earlier delivery started (`created: false`).
   */
  trigger(input: DiscordTriggerInput): Promise<DiscordTriggerOutcome>;
  /** The enabled `discord-command` actions available at the place, with their templates. */
  commands(place: z.input<typeof discordPlaceSchema>): Promise<Array<{ action: Action; template: Template }>>;
  /**
   * Shows (no change) or changes a guild's settings, for members who may manage the guild;
   * `emojiAction` maps an emoji to an action (NotFoundError for an unknown action).
   */
  configure(input: DiscordConfigureInput): Promise<DiscordConfigureOutcome>;
}

/** What the Discord trigger service is built from. */
export interface DiscordTriggerServiceContext {
  guilds: DiscordGuildService;
  actions: Pick<ActionService, 'list' | 'create' | 'trigger' | 'resolve'>;
  templates: Pick<TemplateService, 'get' | 'ensureSummarizeConversation'>;
  models: Pick<ModelProfileService, 'list'>;
}

type ParsedRouteInput = z.output<typeof discordRouteInputSchema>;

/** A route with the guild settings it was decided on. */
interface Planned {
  route: DiscordRoute;
  config: DiscordGuildConfig;
}

/** Builds the Discord trigger service on the action, template, model and guild services. */
export function createDiscordTriggerService(context: DiscordTriggerServiceContext): DiscordTriggerService {
  const { guilds, actions, templates, models } = context;

  const enabledActions = (): Promise<Action[]> =>
    collectPages((cursor) => actions.list({ enabled: true, limit: 500, cursor }));

  function memberLookup(source: ParsedRouteInput['member']): () => Promise<DiscordMember> {
    let member: Promise<DiscordMember> | undefined;
    return () => {
      member ??= (async () =>
        parseInput(discordMemberSchema, typeof source === 'function' ? await source() : source, 'member'))();
      return member;
    };
  }

  /** A `discord-command` action by name or id, else by its template's name. */
  async function commandAction(
    enabled: readonly Action[],
    name: string,
  ): Promise<{ action: Action; template: Template } | null> {
    const commands = enabled.filter((action) => action.trigger === 'discord-command');
    const named = commands.find((action) => action.name === name || action.id === name);
    if (named !== undefined) return { action: named, template: await templates.get(named.templateId) };
    for (const action of commands) {
      const template = await templates.get(action.templateId).catch(() => null);
      if (template?.name === name) return { action, template };
    }
    return null;
  }

  async function plan(input: ParsedRouteInput, member: () => Promise<DiscordMember>): Promise<Planned> {
    const { place, request } = input;
    const config = await guilds.getGuildConfig(place.guildId);
    const enabled = await enabledActions();
    const judge = (action: Action | null) =>
      evaluateDiscordPolicy({
        config,
        place,
        limits: action === null ? noDiscordActionLimits : discordActionLimits(action),
        roleIds: async () => (await member()).roleIds,
      });
    const done = (route: DiscordRoute): Planned => ({ route, config });

    if (request.kind === 'reaction') {
      const found = pickReactionAction(enabled, config, request.emoji, place);
      if (found === null) return done({ kind: 'ignored', reason: 'no-action' });
      const verdict = await judge(found.action);
      if (!verdict.allowed) {
        // Reactions are ambient: where Goosuke does not work nobody hears from it; only a member
        // without an allowed role is told, quietly, so they know why nothing happens.
        if (verdict.reason !== 'role') return done({ kind: 'ignored', reason: verdict.reason });
        const { displayName } = await member();
        const text = `${displayName}: only some roles may ask Goosuke for summaries here.`;
        return done(discordRefusal('role', text, { quiet: true }));
      }
      const template = await templates.get(found.action.templateId);
      const conversation = templateTakes(template, 'conversation')
        ? reactionWindow(config, found, request.emoji, place)
        : null;
      return done({ kind: 'routed', action: found.action, template, conversation });
    }

    if (request.kind === 'summarize') {
      const template = await templates.ensureSummarizeConversation();
      const action = pickSummaryAction(enabled, template.id, place);
      const verdict = await judge(action);
      if (!verdict.allowed) {
        const text = policyRefusalText(verdict.reason, action?.name ?? null);
        return done(discordRefusal(verdict.reason, text));
      }
      if (action === null) {
        const text = 'Summaries are turned off: no enabled action uses the summary template.';
        return done(discordRefusal('no-action', text));
      }
      const since = request.since;
      if (since !== undefined && since.channelId !== null && since.channelId !== place.channelId) {
        const text = 'That message is in another channel; link a message in this one.';
        return done(discordRefusal('other-channel', text));
      }
      const conversation = templateTakes(template, 'conversation')
        ? summarizeWindow(config, { last: request.last, sinceMessageId: since?.messageId }, place)
        : null;
      return done({ kind: 'routed', action, template, conversation });
    }

    const found = await commandAction(enabled, request.name);
    const verdict = await judge(found?.action ?? null);
    if (!verdict.allowed) {
      const text = policyRefusalText(verdict.reason, found?.action.name ?? null);
      return done(discordRefusal(verdict.reason, text));
    }
    if (found === null) {
      const text = `There is no template "${request.name}" to run here; pick one from the list.`;
      return done(discordRefusal('no-action', text));
    }
    return done({ kind: 'routed', action: found.action, template: found.template, conversation: null });
  }

  /**
   * What runs: the template's default models and agents when it has any (`models` undefined: the
   * trigger takes the template's), else the configured defaults, else the first stored profile;
   * null for none. `count` is the number of runs, counted against the guild's daily cap.
   */
  async function executorsFor(
    template: Template,
    configured: readonly string[],
  ): Promise<{ models: string[] | undefined; count: number } | null> {
    const own = template.defaultModelProfileIds.length + template.defaultAgents.length;
    if (own > 0) return { models: undefined, count: own };
    if (configured.length > 0) return { models: [...configured], count: configured.length };
    const first = await models.list({ limit: 1 });
    return first.items.length === 0 ? null : { models: [first.items[0]!.id], count: 1 };
  }

  return {
    async ensureSummaryAction() {
      const template = await templates.ensureSummarizeConversation();
      const enabled = await enabledActions();
      if (enabled.some((action) => action.trigger === 'discord-reaction')) return null;
      if (enabled.some((action) => action.name === defaultDiscordSummaryActionName)) return null;
      try {
        const { action } = await actions.create({
          name: defaultDiscordSummaryActionName,
          template: template.id,
          trigger: 'discord-reaction',
        });
        return action;
      } catch (error) {
        // Another process created it first, or a disabled one keeps the name: both fine.
        if (GoosukeError.isInstance(error) && error.code === 'conflict') return null;
        throw error;
      }
    },

    async route(raw) {
      const input = parseInput(discordRouteInputSchema, raw, 'Discord request');
      return (await plan(input, memberLookup(input.member))).route;
    },

    async trigger(raw) {
      const input = parseInput(discordTriggerInputSchema, raw, 'Discord trigger');
      const member = memberLookup(input.member);
      const { route, config } = await plan(input, member);
      if (route.kind !== 'routed') return route;
      const { action, template } = route;
      if (route.conversation !== null && (input.conversation?.length ?? 0) === 0)
        return discordRefusal('empty-conversation', 'There is nothing to summarize here.');
      const { parameters, untrusted } = fillDiscordParameters(template, {
        conversation: input.conversation,
        message: input.message,
        language: config.language,
        parameters: input.parameters,
      });
      const chosen = await executorsFor(template, input.defaultModels);
      if (chosen === null) {
        return discordRefusal(
          'no-model',
          'No model is set up: the operator needs to set GOOSUKE_DEFAULT_MODEL or add a model profile.',
        );
      }
      const { guildId } = input.place;
      const allowance = await guilds.consumeDailyRun(guildId, chosen.count);
      if (!allowance.allowed) {
        const usage = { used: allowance.used, cap: allowance.cap };
        return discordRefusal('daily-cap', dailyCapText(usage), { usage });
      }
      const giveBack = () => guilds.releaseDailyRun(guildId, chosen.count).catch(() => undefined);
      const title =
        input.request.kind === 'command'
          ? `${action.name} (Discord, ${(await member()).displayName})`
          : `${action.name}: #${input.channelName ?? input.place.channelId}`;
      let triggered: Awaited<ReturnType<ActionService['trigger']>>;
      try {
        triggered = await actions.trigger(
          action.id,
          {
            parameters,
            untrusted,
            ...(chosen.models === undefined ? {} : { models: chosen.models }),
            idempotencyKey: input.idempotencyKey,
            title: title.slice(0, 300),
          },
          { discordChannel: { guildId, channelId: input.place.channelId } },
        );
      } catch (error) {
        await giveBack();
        throw error;
      }
      // An earlier delivery of this event started them: they were counted then.
      if (!triggered.created) await giveBack();
      return { kind: 'started', ...triggered, action, template };
    },

    async commands(raw) {
      const place = parseInput(discordPlaceSchema, raw, 'Discord place');
      const available: Array<{ action: Action; template: Template }> = [];
      for (const action of await enabledActions()) {
        if (action.trigger !== 'discord-command') continue;
        if (!limitsAdmitPlace(discordActionLimits(action), place)) continue;
        const template = await templates.get(action.templateId).catch(() => null);
        if (template !== null) available.push({ action, template });
      }
      return available;
    },

    async configure(raw) {
      const input = parseInput(discordConfigureInputSchema, raw, 'Discord configuration');
      if (!input.member.canManageGuild) {
        return discordRefusal(
          'manage-guild',
          'Only members who may manage this server can change Goosuke settings.',
        );
      }
      const change = { ...input.change };
      if (input.emojiAction !== undefined) {
        const { emoji, action } = input.emojiAction;
        const next = { ...(await guilds.getGuildConfig(input.guildId)).emojiActions };
        if (action === null || action === '') delete next[emoji];
        else next[emoji] = (await actions.resolve(action)).name;
        change.emojiActions = next;
      }
      if (Object.keys(change).length === 0)
        return { kind: 'configured', changed: false, config: await guilds.getGuildConfig(input.guildId) };
      return {
        kind: 'configured',
        changed: true,
        config: await guilds.setGuildConfig(input.guildId, change),
      };
    },
  };
}
