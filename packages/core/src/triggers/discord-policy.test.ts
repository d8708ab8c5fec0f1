import { describe, expect, it } from 'vitest';
import { buildAction } from '../testing/index.ts';
import { defaultDiscordGuildConfig } from './discord-guild-config.ts';
import {
  channelsAdmit,
  type DiscordActionLimits,
  type DiscordPlace,
  type DiscordPolicyVerdict,
  discordActionLimits,
  evaluateDiscordPolicy,
  limitsAdmitPlace,
  noDiscordActionLimits,
} from './discord-policy.ts';

const GUILD = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const CHANNEL = '200000000000000001';
const OTHER_CHANNEL = '200000000000000002';
const THREAD = '200000000000000003';
const MEMBER = '300000000000000001';
const MANAGER = '300000000000000002';

const inChannel: DiscordPlace = { guildId: GUILD, channelId: CHANNEL, parentId: null };
const inThread: DiscordPlace = { guildId: GUILD, channelId: THREAD, parentId: CHANNEL };

/** Evaluates, counting how often the member's roles were looked up. */
async function evaluate(
  config: { enabled?: boolean; channelIds?: readonly string[]; roleIds?: readonly string[] },
  limits: Partial<DiscordActionLimits>,
  roles: readonly string[],
  place: DiscordPlace = inChannel,
): Promise<{ verdict: DiscordPolicyVerdict; lookups: number }> {
  let lookups = 0;
  const verdict = await evaluateDiscordPolicy({
    config: { ...defaultDiscordGuildConfig, ...config },
    place,
    limits: { ...noDiscordActionLimits, ...limits },
    roleIds: async () => {
      lookups++;
      return roles;
    },
  });
  return { verdict, lookups };
}

const allowed: DiscordPolicyVerdict = { allowed: true };
const refused = (
  reason: Exclude<DiscordPolicyVerdict, { allowed: true }>['reason'],
): DiscordPolicyVerdict => ({
  allowed: false,
  reason,
});

describe('evaluateDiscordPolicy', () => {
  it.each([
    ['nothing configured', {}, {}, [], inChannel, allowed],
    ['the guild turned Goosuke off', { enabled: false }, {}, [MEMBER], inChannel, refused('disabled')],
    ['a guild channel list naming the channel', { channelIds: [CHANNEL] }, {}, [], inChannel, allowed],
    ['a guild channel list naming the thread parent', { channelIds: [CHANNEL] }, {}, [], inThread, allowed],
    [
      'a guild channel list without it',
      { channelIds: [OTHER_CHANNEL] },
      {},
      [],
      inChannel,
      refused('channel'),
    ],
    ['an action for this guild', {}, { guildIds: [GUILD] }, [], inChannel, allowed],
    ['an action for another guild', {}, { guildIds: [OTHER_GUILD] }, [], inChannel, refused('action-guild')],
    ['an action for the thread parent', {}, { channelIds: [CHANNEL] }, [], inThread, allowed],
    [
      'an action for another channel',
      {},
      { channelIds: [OTHER_CHANNEL] },
      [],
      inChannel,
      refused('action-channel'),
    ],
    ['a guild role the member holds', { roleIds: [MEMBER] }, {}, [MEMBER], inChannel, allowed],
    ['a guild role the member lacks', { roleIds: [MANAGER] }, {}, [MEMBER], inChannel, refused('role')],
    ['an action role the member holds', {}, { roleIds: [MEMBER] }, [MEMBER], inChannel, allowed],
    ['an action role the member lacks', {}, { roleIds: [MANAGER] }, [MEMBER], inChannel, refused('role')],
    [
      'both role lists, one held',
      { roleIds: [MEMBER] },
      { roleIds: [MANAGER] },
      [MEMBER],
      inChannel,
      refused('role'),
    ],
    [
      'both role lists, both held',
      { roleIds: [MEMBER] },
      { roleIds: [MANAGER] },
      [MEMBER, MANAGER],
      inChannel,
      allowed,
    ],
    ['any one of several roles', { roleIds: [MEMBER, MANAGER] }, {}, [MANAGER], inChannel, allowed],
  ] as const)('%s', async (_name, config, limits, roles, place, expected) => {
    const { verdict } = await evaluate(config, limits, roles, place);
    expect(verdict).toEqual(expected);
  });

  // Every combination of the four dimensions: the first failing rule, in the documented order, wins.
  const actionConfigs = {
    none: {},
    'limited to another guild': { guildIds: [OTHER_GUILD] },
    'limited to another channel': { channelIds: [OTHER_CHANNEL] },
    'limited to a role': { roleIds: [MANAGER] },
  } as const;
  const cases = [true, false].flatMap((enabled) =>
    [true, false].flatMap((channelAllowed) =>
      [true, false].flatMap((roleAllowed) =>
        Object.keys(actionConfigs).map((action) => ({
          enabled,
          channelAllowed,
          roleAllowed,
          action: action as keyof typeof actionConfigs,
        })),
      ),
    ),
  );

  it.each(cases)(
    'enabled $enabled, channel allowed $channelAllowed, role allowed $roleAllowed, action $action',
    async ({ enabled, channelAllowed, roleAllowed, action }) => {
      // The guild asks for MEMBER; an action "limited to a role" asks for MANAGER as well.
      const roles = roleAllowed ? [MEMBER, ...(action === 'limited to a role' ? [MANAGER] : [])] : [];
      const { verdict, lookups } = await evaluate(
        { enabled, channelIds: [channelAllowed ? CHANNEL : OTHER_CHANNEL], roleIds: [MEMBER] },
        actionConfigs[action],
        roles,
      );
      const expected: DiscordPolicyVerdict = !enabled
        ? refused('disabled')
        : !channelAllowed
          ? refused('channel')
          : action === 'limited to another guild'
            ? refused('action-guild')
            : action === 'limited to another channel'
              ? refused('action-channel')
              : !roleAllowed
                ? refused('role')
                : allowed;
      expect(verdict).toEqual(expected);
      // The member is looked up only once every rule before the roles passed.
      const rolesConsulted =
        enabled &&
        channelAllowed &&
        action !== 'limited to another guild' &&
        action !== 'limited to another channel';
      expect(lookups).toBe(rolesConsulted ? 1 : 0);
    },
  );

  it('does not look the member up when no role list asks for one', async () => {
    expect(await evaluate({ channelIds: [CHANNEL] }, { guildIds: [GUILD] }, [])).toEqual({
      verdict: allowed,
      lookups: 0,
    });
  });
});

describe('discordActionLimits', () => {
  it('reads the guild, channel and role limits of Discord actions, with defaults', () => {
    const reaction = buildAction({
      trigger: 'discord-reaction',
      config: { guildIds: [GUILD], roleIds: [MEMBER] },
    });
    expect(discordActionLimits(reaction)).toEqual({ guildIds: [GUILD], channelIds: [], roleIds: [MEMBER] });
    const command = buildAction({ trigger: 'discord-command', config: { channelIds: [CHANNEL] } });
    expect(discordActionLimits(command)).toEqual({ guildIds: [], channelIds: [CHANNEL], roleIds: [] });
  });

  it('gives no limits for other triggers', () => {
    expect(discordActionLimits(buildAction({ trigger: 'manual', config: {} }))).toEqual(
      noDiscordActionLimits,
    );
    expect(discordActionLimits(buildAction({ trigger: 'schedule', config: { cron: '@daily' } }))).toEqual(
      noDiscordActionLimits,
    );
  });
});

describe('place admission', () => {
  it('admits a channel, a thread by its parent, and everything for an empty list', () => {
    expect(channelsAdmit([], inChannel)).toBe(true);
    expect(channelsAdmit([CHANNEL], inChannel)).toBe(true);
    expect(channelsAdmit([CHANNEL], inThread)).toBe(true);
    expect(channelsAdmit([THREAD], inThread)).toBe(true);
    expect(channelsAdmit([OTHER_CHANNEL], inThread)).toBe(false);
    expect(channelsAdmit([THREAD], inChannel)).toBe(false);
  });

  it('checks the guild and the channels of an action, not its roles', () => {
    expect(limitsAdmitPlace({ guildIds: [GUILD], channelIds: [CHANNEL], roleIds: [MANAGER] }, inThread)).toBe(
      true,
    );
    expect(limitsAdmitPlace({ ...noDiscordActionLimits, guildIds: [OTHER_GUILD] }, inChannel)).toBe(false);
    expect(limitsAdmitPlace({ ...noDiscordActionLimits, channelIds: [OTHER_CHANNEL] }, inChannel)).toBe(
      false,
    );
  });
});
