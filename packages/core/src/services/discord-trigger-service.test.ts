import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createGoosuke, type Goosuke } from '../create-goosuke.ts';
import type { Action, ModelProfile } from '../domain/index.ts';
import { createWebCryptoSecretBox } from '../secrets/index.ts';
import { expectGoosukeError, rejectionOf } from '../testing/conformance-assertions.ts';
import {
  createFixedClock,
  createMemoryJobQueue,
  createMemoryStore,
  createScriptedLanguageModel,
  createSequentialIdGenerator,
  type MemoryJobQueue,
  unusedGitBackend,
} from '../testing/index.ts';
import type { DiscordGuildConfigInput } from '../triggers/discord-guild-config.ts';
import type { DiscordRoute, DiscordTriggerOutcome } from '../triggers/discord-outcome.ts';
import type {
  DiscordMemberInput,
  DiscordRouteInput,
  DiscordTriggerInput,
} from './discord-trigger-service.ts';
import { defaultDiscordSummaryActionName } from './discord-trigger-service.ts';

const GUILD = '100000000000000001';
const OTHER_GUILD = '100000000000000002';
const GENERAL = '200000000000000001';
const RANDOM = '200000000000000002';
const THREAD = '200000000000000003';
const MEMBER_ROLE = '300000000000000001';
const MANAGER_ROLE = '300000000000000002';
const hour = 3_600_000;

const conversation = [
  { author: 'Alice', text: 'Ship on Friday?', at: '2026-01-02 10:00' },
  { author: 'Bobby', text: 'Yes, after the review.', at: '2026-01-02 10:05', replyTo: 'Alice' },
];

describe('goosuke.discord triggers', () => {
  let goosuke: Goosuke;
  let queue: MemoryJobQueue;
  let model: ModelProfile;
  let lookups: number;

  /** A member with these roles, looked up through a function that counts its calls. */
  const member =
    (roleIds: string[] = [MEMBER_ROLE], displayName = 'Carol') =>
    async (): Promise<DiscordMemberInput> => {
      lookups++;
      return { roleIds, displayName };
    };
  const place = { guildId: GUILD, channelId: GENERAL };
  const pencil = { kind: 'reaction', emoji: { name: '✏️', id: null } } as const;

  const route = (input: Partial<DiscordRouteInput> = {}): Promise<DiscordRoute> =>
    goosuke.discord.route({ place, member: member(), request: pencil, ...input });
  const trigger = (input: Partial<DiscordTriggerInput> = {}): Promise<DiscordTriggerOutcome> =>
    goosuke.discord.trigger({
      place,
      member: member(),
      request: pencil,
      conversation,
      message: 'Yes, after the review.',
      idempotencyKey: `discord:reaction:${Math.random()}`,
      channelName: 'general',
      ...input,
    });
  const instructionOf = async (taskId: string): Promise<string> =>
    (await goosuke.tasks.getDetail(taskId)).messages[0]!.content;
  const tasks = async () => (await goosuke.tasks.list({})).items;

  beforeEach(async () => {
    lookups = 0;
    queue = createMemoryJobQueue();
    goosuke = createGoosuke({
      store: createMemoryStore(),
      secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-discord-trigger-tests' }),
      clock: createFixedClock('2026-01-02T12:00:00.000Z'),
      ids: createSequentialIdGenerator(),
      runtime: {
        queue,
        git: unusedGitBackend,
        languageModels: () => createScriptedLanguageModel({ replies: ['A summary.'] }),
        layout: { cloneDir: () => '/nonexistent/clone', workingCopyDir: () => '/nonexistent/worktree' },
      },
    });
    model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-5.1' });
  });

  afterEach(async () => {
    await goosuke.close();
    await queue.close();
  });

  describe('ensureSummaryAction', () => {
    it('creates discord-summary on the built-in template once', async () => {
      const created = await goosuke.discord.ensureSummaryAction();
      expect(created).toMatchObject({ name: defaultDiscordSummaryActionName, trigger: 'discord-reaction' });
      const template = await goosuke.templates.get(created!.templateId);
      expect(template.name).toBe('summarize-conversation');
      expect(await goosuke.discord.ensureSummaryAction()).toBeNull();
      expect((await goosuke.actions.list({})).items).toHaveLength(1);
    });

    it('creates nothing when another reaction action exists, or a disabled one keeps the name', async () => {
      const template = await goosuke.templates.ensureSummarizeConversation();
      await goosuke.actions.create({ name: 'pins', template: template.id, trigger: 'discord-reaction' });
      expect(await goosuke.discord.ensureSummaryAction()).toBeNull();
      await goosuke.actions.delete((await goosuke.actions.resolve('pins')).id);
      await goosuke.actions.create({
        name: defaultDiscordSummaryActionName,
        template: template.id,
        trigger: 'manual',
        enabled: false,
      });
      expect(await goosuke.discord.ensureSummaryAction()).toBeNull();
      expect((await goosuke.actions.list({})).items.map((action) => action.name)).toEqual([
        defaultDiscordSummaryActionName,
      ]);
    });
  });

  describe('route', () => {
    let summary: Action;
    beforeEach(async () => {
      summary = (await goosuke.discord.ensureSummaryAction())!;
    });

    it('routes the pencil to the summary action, with the window to collect', async () => {
      expect(await route()).toMatchObject({
        kind: 'routed',
        action: { id: summary.id },
        template: { name: 'summarize-conversation' },
        conversation: { kind: 'marked', markers: ['✏️', '📝'], maxMessages: 200, maxAgeMs: 24 * hour },
      });
      // Nobody asked for roles: the member was never looked up.
      expect(lookups).toBe(0);
    });

    it('collects the whole thread inside a thread, and the guild window elsewhere', async () => {
      expect(await route({ place: { guildId: GUILD, channelId: THREAD, parentId: GENERAL } })).toMatchObject({
        conversation: { kind: 'thread' },
      });
      await goosuke.discord.setGuildConfig(GUILD, { summaryWindow: { messages: 30, hours: 2 } });
      expect(await route()).toMatchObject({ conversation: { maxMessages: 30, maxAgeMs: 2 * hour } });
    });

    it('ignores emoji no action takes', async () => {
      expect(await route({ request: { kind: 'reaction', emoji: { name: '👍', id: null } } })).toEqual({
        kind: 'ignored',
        reason: 'no-action',
      });
    });

    it('routes a mapped emoji to its action, collecting nothing for a template without a conversation', async () => {
      await goosuke.templates.create({
        name: 'explain',
        prompt: 'Explain simply:\n{{message}}',
        parameters: [{ name: 'message', type: 'text', required: true }],
        defaultModelProfileIds: [model.id],
      });
      await goosuke.actions.create({ name: 'explain-message', template: 'explain', trigger: 'manual' });
      await goosuke.discord.setGuildConfig(GUILD, { emojiActions: { '🔍': 'explain-message' } });
      expect(await route({ request: { kind: 'reaction', emoji: { name: '🔍', id: null } } })).toMatchObject({
        kind: 'routed',
        action: { name: 'explain-message' },
        conversation: null,
      });
      // The mapping is per guild.
      expect(
        await route({
          place: { guildId: OTHER_GUILD, channelId: GENERAL },
          request: { kind: 'reaction', emoji: { name: '🔍', id: null } },
        }),
      ).toMatchObject({ kind: 'ignored' });
    });

    it('applies an action’s own limits when a guild maps an emoji to it', async () => {
      const template = await goosuke.templates.ensureSummarizeConversation();
      await goosuke.actions.create({
        name: 'staff-summary',
        template: template.id,
        trigger: 'discord-command',
        config: { roleIds: [MANAGER_ROLE] },
      });
      await goosuke.discord.setGuildConfig(GUILD, { emojiActions: { '🗒️': 'staff-summary' } });
      expect(await route({ request: { kind: 'reaction', emoji: { name: '🗒️', id: null } } })).toMatchObject({
        kind: 'refused',
        reason: 'role',
        quiet: true,
      });
    });

    it('routes /goosuke summarize to the summary action with the window asked for', async () => {
      const summarize = { kind: 'summarize' } as const;
      expect(await route({ request: summarize })).toMatchObject({
        kind: 'routed',
        action: { id: summary.id },
        conversation: { kind: 'last', count: 200 },
      });
      expect(await route({ request: { ...summarize, last: 5 } })).toMatchObject({
        conversation: { kind: 'last', count: 5 },
      });
      expect(
        await route({
          request: { ...summarize, since: { channelId: GENERAL, messageId: '900000000000000001' } },
        }),
      ).toMatchObject({ conversation: { kind: 'since', messageId: '900000000000000001' } });
      expect(
        await route({
          request: { ...summarize, since: { channelId: RANDOM, messageId: '900000000000000001' } },
        }),
      ).toEqual({
        kind: 'refused',
        reason: 'other-channel',
        message: 'That message is in another channel; link a message in this one.',
        quiet: false,
      });
    });

    it('refuses /goosuke summarize when no enabled action uses the summary template', async () => {
      await goosuke.actions.update(summary.id, { enabled: false });
      expect(await route({ request: { kind: 'summarize' } })).toMatchObject({
        kind: 'refused',
        reason: 'no-action',
        message: 'Summaries are turned off: no enabled action uses the summary template.',
      });
    });

    it('finds a command by action name, action id or template name, within the action’s limits', async () => {
      const template = await goosuke.templates.create({
        name: 'translate',
        prompt: 'Translate into {{language}}:\n{{text}}',
        parameters: [
          { name: 'language', type: 'string', required: true },
          { name: 'text', type: 'text', required: true },
        ],
        defaultModelProfileIds: [model.id],
      });
      const { action } = await goosuke.actions.create({
        name: 'translate-it',
        template: template.id,
        trigger: 'discord-command',
        config: { channelIds: [GENERAL] },
      });
      for (const name of ['translate-it', action.id, 'translate']) {
        expect(await route({ request: { kind: 'command', name } })).toMatchObject({
          kind: 'routed',
          action: { id: action.id },
          conversation: null,
        });
      }
      expect(
        await route({
          place: { guildId: GUILD, channelId: RANDOM },
          request: { kind: 'command', name: 'translate' },
        }),
      ).toMatchObject({
        reason: 'action-channel',
        message: 'translate-it is not available in this channel.',
      });
      expect(await route({ request: { kind: 'command', name: 'nothing' } })).toMatchObject({
        reason: 'no-action',
        message: 'There is no template "nothing" to run here; pick one from the list.',
      });
      // A summary action is not a command.
      expect(
        await route({ request: { kind: 'command', name: defaultDiscordSummaryActionName } }),
      ).toMatchObject({
        reason: 'no-action',
      });
    });

    // One policy for every path: the guild's settings decide the same way for a reaction, for
    // /goosuke summarize and for /goosuke run; a reaction is silent where a command explains.
    const paths = {
      reaction: pencil,
      summarize: { kind: 'summarize' },
      command: { kind: 'command', name: 'report' },
    } as const;
    const settings: Array<{
      setting: string;
      config: DiscordGuildConfigInput;
      roles: string[];
      reason: 'disabled' | 'channel' | 'role' | null;
    }> = [
      { setting: 'nothing configured', config: {}, roles: [MEMBER_ROLE], reason: null },
      { setting: 'Goosuke turned off', config: { enabled: false }, roles: [MEMBER_ROLE], reason: 'disabled' },
      {
        setting: 'another channel only',
        config: { channelIds: [RANDOM] },
        roles: [MEMBER_ROLE],
        reason: 'channel',
      },
      { setting: 'this channel only', config: { channelIds: [GENERAL] }, roles: [], reason: null },
      {
        setting: 'a role the member holds',
        config: { roleIds: [MEMBER_ROLE] },
        roles: [MEMBER_ROLE],
        reason: null,
      },
      {
        setting: 'a role the member lacks',
        config: { roleIds: [MANAGER_ROLE] },
        roles: [MEMBER_ROLE],
        reason: 'role',
      },
      {
        setting: 'off, elsewhere and the wrong role',
        config: { enabled: false, channelIds: [RANDOM], roleIds: [MANAGER_ROLE] },
        roles: [],
        reason: 'disabled',
      },
    ];
    const texts = {
      disabled: 'Goosuke is turned off in this server.',
      channel: 'Goosuke does not work in this channel.',
      role: 'You do not have a role that may use this.',
    };
    const table = Object.entries(paths).flatMap(([path, request]) =>
      settings.map((entry) => ({ path, request, ...entry })),
    );

    it.each(table)('$path with $setting', async ({ path, request, config, roles, reason }) => {
      const report = await goosuke.templates.create({
        name: 'report',
        prompt: 'Report.',
        defaultModelProfileIds: [model.id],
      });
      await goosuke.actions.create({ name: 'report', template: report.id, trigger: 'discord-command' });
      await goosuke.discord.setGuildConfig(GUILD, config);
      const outcome = await route({ request, member: member(roles, 'Bobby') });
      if (reason === null) expect(outcome.kind).toBe('routed');
      else if (path !== 'reaction') {
        expect(outcome).toEqual({ kind: 'refused', reason, message: texts[reason], quiet: false });
      } else if (reason === 'role') {
        expect(outcome).toEqual({
          kind: 'refused',
          reason,
          message: 'Bobby: only some roles may ask Goosuke for summaries here.',
          quiet: true,
        });
      } else expect(outcome).toEqual({ kind: 'ignored', reason });
    });

    it('refuses malformed input', async () => {
      expectGoosukeError(
        await rejectionOf(() => route({ place: { guildId: 'guild', channelId: GENERAL } })),
        'invalid_input',
      );
      expectGoosukeError(
        await rejectionOf(() => route({ request: { kind: 'summarize', last: 0 } })),
        'invalid_input',
      );
    });
  });

  describe('trigger', () => {
    beforeEach(async () => {
      await goosuke.discord.ensureSummaryAction();
    });

    it('starts the summary with the conversation as data, the guild language and a title', async () => {
      await goosuke.discord.setGuildConfig(GUILD, { language: 'ja' });
      const outcome = await trigger();
      expect(outcome).toMatchObject({
        kind: 'started',
        created: true,
        action: { name: defaultDiscordSummaryActionName },
        template: { name: 'summarize-conversation' },
        task: { title: 'discord-summary: #general' },
      });
      if (outcome.kind !== 'started') return;
      expect(outcome.runs).toHaveLength(1);
      expect(outcome.runs[0]!.executor).toMatchObject({ kind: 'model', modelProfileId: model.id });
      const instruction = await instructionOf(outcome.task.id);
      expect(instruction).toContain('Language: ja (');
      expect(instruction).toContain(
        '<data name="conversation">\n[2026-01-02 10:00] Alice: Ship on Friday?\n[2026-01-02 10:05] Bobby (reply to Alice): Yes, after the review.\n</data>',
      );
      expect(await goosuke.discord.dailyUsage(GUILD)).toEqual({ used: 1, cap: 50 });
    });

    it('refuses an empty conversation for a template that summarizes one, and counts nothing', async () => {
      expect(await trigger({ conversation: [] })).toMatchObject({
        kind: 'refused',
        reason: 'empty-conversation',
        message: 'There is nothing to summarize here.',
      });
      expect(await tasks()).toEqual([]);
      expect((await goosuke.discord.dailyUsage(GUILD)).used).toBe(0);
    });

    it('applies the policy again: a change after routing counts', async () => {
      expect((await route()).kind).toBe('routed');
      await goosuke.discord.setGuildConfig(GUILD, { enabled: false });
      expect(await trigger()).toEqual({ kind: 'ignored', reason: 'disabled' });
      expect(await tasks()).toEqual([]);
    });

    it('returns the first delivery’s task for a repeated key, counting its runs once', async () => {
      const first = await trigger({ idempotencyKey: 'discord:reaction:1:✏' });
      const again = await trigger({ idempotencyKey: 'discord:reaction:1:✏' });
      expect(again).toMatchObject({ kind: 'started', created: false });
      if (first.kind !== 'started' || again.kind !== 'started') throw new Error('not started');
      expect(again.task.id).toBe(first.task.id);
      expect(await tasks()).toHaveLength(1);
      expect((await goosuke.discord.dailyUsage(GUILD)).used).toBe(1);
    });

    it('stops at the daily cap, saying how many runs were used', async () => {
      await goosuke.discord.setGuildConfig(GUILD, { dailyRunCap: 1 });
      expect((await trigger()).kind).toBe('started');
      expect(await trigger()).toEqual({
        kind: 'refused',
        reason: 'daily-cap',
        message: 'This server has used 1 of its 1 Goosuke runs today; try again tomorrow (UTC).',
        quiet: false,
        usage: { used: 1, cap: 1 },
      });
      expect(await tasks()).toHaveLength(1);
    });

    it('counts one run per model and gives them back when the trigger fails', async () => {
      const second = await goosuke.models.create({ provider: 'anthropic', modelName: 'claude' });
      await goosuke.templates.create({
        name: 'translate',
        prompt: 'Translate into {{language}}:\n{{text}}',
        parameters: [
          { name: 'language', type: 'string', required: true },
          { name: 'text', type: 'text', required: true },
        ],
        defaultModelProfileIds: [model.id, second.id],
      });
      await goosuke.actions.create({ name: 'translate', template: 'translate', trigger: 'discord-command' });
      const command = { kind: 'command', name: 'translate' } as const;
      const error = await rejectionOf(() => trigger({ request: command, parameters: { language: 'ja' } }));
      expectGoosukeError(error, 'invalid_input');
      expect((await goosuke.discord.dailyUsage(GUILD)).used).toBe(0);
      const started = await trigger({
        request: command,
        member: member([], 'Carol'),
        parameters: { language: 'ja', text: 'hello' },
      });
      expect(started).toMatchObject({ kind: 'started', task: { title: 'translate (Discord, Carol)' } });
      if (started.kind === 'started') expect(started.runs).toHaveLength(2);
      expect((await goosuke.discord.dailyUsage(GUILD)).used).toBe(2);
    });

    it('runs a template’s default agents beside its models, each counted, with the template’s shell grant', async () => {
      const repo = await goosuke.repos.create({
        url: 'https://git.example.test/octo/shop.git',
        defaultBranch: 'main',
      });
      await goosuke.templates.create({
        name: 'fix',
        prompt: 'Fix {{what}}',
        parameters: [{ name: 'what', type: 'string', required: true }],
        outputKind: 'patch',
        repoId: repo.id,
        defaultAgents: [{ agent: 'codex' }],
        allowShell: true,
      });
      await goosuke.actions.create({ name: 'fix', template: 'fix', trigger: 'discord-command' });
      // Given defaults do not replace a template's own agents.
      const started = await trigger({
        request: { kind: 'command', name: 'fix' },
        parameters: { what: 'the cart' },
        defaultModels: [model.id],
      });
      if (started.kind !== 'started') throw new Error(`not started: ${started.kind}`);
      expect(started.runs.map((run) => [run.executor, run.allowShell])).toEqual([
        [{ kind: 'agent', agent: 'codex', modelProfileId: model.id }, true],
      ]);
      expect((await goosuke.discord.dailyUsage(GUILD)).used).toBe(1);
    });

    it('runs a template without models on the given defaults, else the first profile, else refuses', async () => {
      const preferred = await goosuke.models.create({ provider: 'anthropic', modelName: 'claude' });
      const withDefaults = await trigger({ defaultModels: [preferred.id] });
      if (withDefaults.kind !== 'started') throw new Error(`not started: ${withDefaults.kind}`);
      expect(withDefaults.runs.map((run) => run.executor)).toMatchObject([{ modelProfileId: preferred.id }]);
      const withoutDefaults = await trigger();
      if (withoutDefaults.kind !== 'started') throw new Error(`not started: ${withoutDefaults.kind}`);
      expect(withoutDefaults.runs.map((run) => run.executor)).toMatchObject([{ modelProfileId: model.id }]);
    });

    it('refuses when no model is set up, and counts nothing', async () => {
      const bare = createGoosuke({
        store: createMemoryStore(),
        secretBox: await createWebCryptoSecretBox({ secret: 'secret-box-key-for-discord-trigger-tests' }),
        runtime: {
          queue,
          git: unusedGitBackend,
          languageModels: () => createScriptedLanguageModel({ replies: [] }),
          layout: { cloneDir: () => '/nonexistent/clone', workingCopyDir: () => '/nonexistent/worktree' },
        },
      });
      await bare.discord.ensureSummaryAction();
      expect(
        await bare.discord.trigger({
          place,
          member: member(),
          request: pencil,
          conversation,
          idempotencyKey: 'k',
        }),
      ).toEqual({
        kind: 'refused',
        reason: 'no-model',
        message:
          'No model is set up: the operator needs to set GOOSUKE_DEFAULT_MODEL or add a model profile.',
        quiet: false,
      });
      expect((await bare.discord.dailyUsage(GUILD)).used).toBe(0);
      await bare.close();
    });

    it('gives a reacted message to a template that takes it, as data', async () => {
      await goosuke.templates.create({
        name: 'explain',
        prompt: 'Explain simply:\n{{message}}',
        parameters: [{ name: 'message', type: 'text', required: true }],
        defaultModelProfileIds: [model.id],
      });
      await goosuke.actions.create({ name: 'explain-message', template: 'explain', trigger: 'manual' });
      await goosuke.discord.setGuildConfig(GUILD, { emojiActions: { '🔍': 'explain-message' } });
      const outcome = await trigger({
        request: { kind: 'reaction', emoji: { name: '🔍', id: null } },
        conversation: undefined,
        message: 'Monads are burritos.',
      });
      if (outcome.kind !== 'started') throw new Error(`not started: ${outcome.kind}`);
      expect(await instructionOf(outcome.task.id)).toContain(
        '<data name="message">\nMonads are burritos.\n</data>',
      );
    });
  });

  describe('commands and configure', () => {
    it('lists the command actions available at a place, with their templates', async () => {
      const template = await goosuke.templates.create({ name: 'report', prompt: 'Report.' });
      await goosuke.actions.create({ name: 'everywhere', template: template.id, trigger: 'discord-command' });
      await goosuke.actions.create({
        name: 'random-only',
        template: template.id,
        trigger: 'discord-command',
        config: { channelIds: [RANDOM] },
      });
      await goosuke.actions.create({
        name: 'off',
        template: template.id,
        trigger: 'discord-command',
        enabled: false,
      });
      await goosuke.actions.create({ name: 'by-hand', template: template.id, trigger: 'manual' });
      const listed = await goosuke.discord.commands(place);
      expect(listed.map(({ action, template }) => [action.name, template.name])).toEqual([
        ['everywhere', 'report'],
      ]);
      expect(
        (await goosuke.discord.commands({ ...place, channelId: RANDOM })).map(({ action }) => action.name),
      ).toEqual(['everywhere', 'random-only']);
    });

    it('lets only members who may manage the guild change its settings', async () => {
      expect(
        await goosuke.discord.configure({
          guildId: GUILD,
          member: { canManageGuild: false },
          change: { dailyRunCap: 3 },
        }),
      ).toEqual({
        kind: 'refused',
        reason: 'manage-guild',
        message: 'Only members who may manage this server can change Goosuke settings.',
        quiet: false,
      });
      expect((await goosuke.discord.getGuildConfig(GUILD)).dailyRunCap).toBe(50);
      const shown = await goosuke.discord.configure({ guildId: GUILD, member: { canManageGuild: true } });
      expect(shown).toMatchObject({ kind: 'configured', changed: false, config: { dailyRunCap: 50 } });
      const saved = await goosuke.discord.configure({
        guildId: GUILD,
        member: { canManageGuild: true },
        change: { dailyRunCap: 3, language: 'en' },
      });
      expect(saved).toMatchObject({
        kind: 'configured',
        changed: true,
        config: { dailyRunCap: 3, language: 'en' },
      });
      expect(await goosuke.discord.getGuildConfig(GUILD)).toMatchObject({ dailyRunCap: 3, language: 'en' });
    });

    it('maps an emoji to an action by name or id, and removes the mapping', async () => {
      const summary = (await goosuke.discord.ensureSummaryAction())!;
      const manager = { canManageGuild: true };
      await goosuke.discord.configure({
        guildId: GUILD,
        member: manager,
        emojiAction: { emoji: '🗒️', action: summary.id },
      });
      await goosuke.discord.configure({
        guildId: GUILD,
        member: manager,
        emojiAction: { emoji: ' ⭐ ', action: 'discord-summary' },
      });
      expect((await goosuke.discord.getGuildConfig(GUILD)).emojiActions).toEqual({
        '🗒️': 'discord-summary',
        '⭐': 'discord-summary',
      });
      await goosuke.discord.configure({
        guildId: GUILD,
        member: manager,
        emojiAction: { emoji: '⭐', action: '' },
      });
      expect((await goosuke.discord.getGuildConfig(GUILD)).emojiActions).toEqual({ '🗒️': 'discord-summary' });
      expectGoosukeError(
        await rejectionOf(() =>
          goosuke.discord.configure({
            guildId: GUILD,
            member: manager,
            emojiAction: { emoji: '⭐', action: 'nope' },
          }),
        ),
        'not_found',
      );
    });
  });
});
