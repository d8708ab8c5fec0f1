import { type BuiltinExtensions, collectPages, InvalidInputError } from '@goosuke/core';
import { readCliConfiguration } from '../configuration.ts';
import { ConfigurationError } from '../configuration-error.ts';
import { createDefaultGoosuke } from '../default-goosuke.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { createLanguageModelResolver, nonEmpty } from '../language-models.ts';
import { defineCommand } from './command.ts';
import { planModelSpec, realizeModelSpec } from './run-models.ts';
import { shutdownLine, shutdownSignals, signalExitCode } from './shutdown-signals.ts';

/** A URL setting, checked at start so that a typo fails now rather than on the first request. */
/** How long runs still running at shutdown may finish before they are canceled. */
const discordGraceMs = 30_000;

function readUrl(name: string, value: string | undefined): string | undefined {
  const given = nonEmpty(value);
  if (given === undefined) return undefined;
  try {
    const url = new URL(given);
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error('not http');
  } catch {
    throw new ConfigurationError(
      'invalid_input',
      `${name} must be an http or https URL, not ${JSON.stringify(given)}`,
    );
  }
  return given.replace(/\/+$/, '');
}

/** `host:port` (a port alone means 127.0.0.1), as the tool server's options; none when unset. */
function readAddress(name: string, value: string | undefined): { host?: string; port?: number } {
  const given = nonEmpty(value);
  if (given === undefined) return {};
  const match = /^(?:(.+):)?(\d{1,5})$/.exec(given);
  const port = match === null ? Number.NaN : Number(match[2]);
  if (match === null || port > 65_535) {
    throw new ConfigurationError(
      'invalid_input',
      `${name} must be host:port or a port, not ${JSON.stringify(given)}`,
    );
  }
  return { ...(match[1] === undefined ? {} : { host: match[1] }), port };
}

/**
 * `goosuke discord`: the bundled Discord bot on the default composition, with run workers in the
 * same process, until SIGTERM or SIGINT (or npm exiting, see {@link shutdownSignals}); runs still
 * running get 30 s, and a shutdown still going after 45 s exits 1.
 */
export const discordCommand = defineCommand({
  name: 'discord',
  summary: 'Run the Discord bot (pencil-reaction summaries, /goosuke commands) and execute runs.',
  description: [
    'Connects the bot with DISCORD_BOT_TOKEN and answers in every server it is in: a ✏️ or 📝',
    'reaction on a message summarizes the conversation back to the previous marked message (a',
    'whole thread inside a thread), and /goosuke summarize|run|status|config are registered at',
    'start. The bot needs the privileged Message Content intent: enable it under Bot > Privileged',
    'Gateway Intents in the Discord Developer Portal. Runs execute in this process.',
    '',
    'Built-in templates run on GOOSUKE_DEFAULT_MODEL (a stored profile, or provider:model such as',
    'anthropic:claude-sonnet-4-5 with the provider key from the environment), else on the first',
    'stored model profile. GOOSUKE_DISCORD_API_URL replaces the Discord REST base URL (proxies,',
    'tests); GOOSUKE_PUBLIC_URL adds links to tasks. Per-server settings (channels, roles, emoji,',
    'language, a daily cap on runs, default 50) are set with /goosuke config or over the HTTP API.',
    '',
    'The built-in discord extension (goosuke extensions add discord --builtin discord, named by a',
    "template) lets a Discord-triggered run read more of its channel's history and post there,",
    'mentions off, with a token made for the run. Its MCP server listens on',
    'GOOSUKE_DISCORD_MCP_ADDRESS (host:port, default 127.0.0.1 on any free port);',
    'GOOSUKE_DISCORD_MCP_URL is the address workers are told when it differs.',
  ].join('\n'),
  arguments: [],
  options: {},
  exitCodes: [
    [exitCodes.success, 'Stopped by SIGTERM or SIGINT (or, started through npm, npm exiting).'],
    [exitCodes.failure, 'The shutdown did not finish within 45 s.'],
    [exitCodes.usage, 'Usage error (an argument given).'],
    [
      exitCodes.configuration,
      'DISCORD_BOT_TOKEN missing or refused by Discord, a bad URL, GOOSUKE_DEFAULT_MODEL unusable, or GOOSUKE_SECRET_KEY missing.',
    ],
    [exitCodeTable.storage.exitCode, 'Opening the database failed.'],
    [signalExitCode('SIGINT'), 'A second SIGINT during the shutdown: stopped at once.'],
  ],

  async run({ io, positionals }) {
    if (positionals.length > 0) {
      throw new InvalidInputError('discord takes no arguments; see goosuke discord --help');
    }
    const configuration = await readCliConfiguration(io);
    const { env } = configuration;
    const token = nonEmpty(env.DISCORD_BOT_TOKEN);
    if (token === undefined) {
      throw new ConfigurationError(
        'secret_key',
        'DISCORD_BOT_TOKEN is not set; copy the bot token from the Discord Developer Portal (Bot > Reset Token)',
      );
    }
    const apiUrl = readUrl('GOOSUKE_DISCORD_API_URL', env.GOOSUKE_DISCORD_API_URL);
    const publicUrl = readUrl('GOOSUKE_PUBLIC_URL', env.GOOSUKE_PUBLIC_URL);
    const toolAddress = readAddress('GOOSUKE_DISCORD_MCP_ADDRESS', env.GOOSUKE_DISCORD_MCP_ADDRESS);
    const toolUrl = readUrl('GOOSUKE_DISCORD_MCP_URL', env.GOOSUKE_DISCORD_MCP_URL);
    const signals = shutdownSignals(io);
    // The bot's MCP tool server, once it runs: runs of tasks started from Discord get a grant.
    let tools: import('@goosuke/adapter-discord').DiscordToolServer | null = null;
    const builtinExtensions: BuiltinExtensions = {
      async grant({ name, runId, task }) {
        if (name !== 'discord' || tools === null || task.discordChannel === null) return null;
        return tools.grant({ ...task.discordChannel, runId });
      },
    };
    try {
      const goosuke = await createDefaultGoosuke(configuration.config, { env, builtinExtensions });
      try {
        const defaultSpec = nonEmpty(env.GOOSUKE_DEFAULT_MODEL);
        let defaultModels: string[] = [];
        if (defaultSpec !== undefined) {
          const profiles = await collectPages((cursor) => goosuke.models.list({ limit: 500, cursor }));
          let plan: ReturnType<typeof planModelSpec>;
          try {
            plan = planModelSpec(defaultSpec, env, profiles);
          } catch (error) {
            throw new ConfigurationError(
              'invalid_input',
              `GOOSUKE_DEFAULT_MODEL: ${error instanceof Error ? error.message.replace(/^--model /, '') : String(error)}`,
            );
          }
          // A missing provider key stops the bot now, not at the first summary.
          const profile = plan.kind === 'stored' ? plan.profile : plan.preview;
          try {
            await createLanguageModelResolver({ env })(
              profile,
              plan.kind === 'stored' ? await goosuke.models.revealApiKey(profile.id) : null,
            );
          } catch (error) {
            throw new ConfigurationError(
              'secret_key',
              `GOOSUKE_DEFAULT_MODEL: ${error instanceof Error ? error.message : String(error)}`,
            );
          }
          defaultModels = [(await realizeModelSpec(goosuke.models, plan)).id];
        }
        const workers = goosuke.runs.startWorkers();
        // Loaded here: discord.js costs every other command its start-up time and memory.
        const { createDiscordBot, createDiscordClient, createDiscordToolServer } = await import(
          '@goosuke/adapter-discord'
        );
        const client = createDiscordClient(apiUrl === undefined ? {} : { apiUrl });
        const toolServer = createDiscordToolServer({
          client,
          ...toolAddress,
          ...(toolUrl === undefined ? {} : { publicUrl: toolUrl }),
          log: (line) => io.stderr.write(`goosuke: discord tools: ${line}\n`),
        });
        const bot = createDiscordBot({
          client,
          goosuke,
          options: {
            defaultModels: async () => defaultModels,
            ...(publicUrl === undefined ? {} : { publicUrl }),
            log: (line) => io.stderr.write(`goosuke: ${line}\n`),
          },
        });
        try {
          await bot.start(token);
        } catch (error) {
          await workers.stop();
          const refused = /401|unauthori[sz]ed|invalid token/i.test(
            error instanceof Error ? error.message : '',
          );
          throw new ConfigurationError(
            refused ? 'secret_key' : 'provider',
            refused
              ? 'Discord refused DISCORD_BOT_TOKEN; copy a fresh token from the Developer Portal'
              : `could not connect to Discord: ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        try {
          await toolServer.start();
        } catch (error) {
          await bot.stop();
          await workers.stop();
          throw new ConfigurationError(
            'invalid_input',
            `the Discord tool server could not listen (GOOSUKE_DISCORD_MCP_ADDRESS): ${error instanceof Error ? error.message : String(error)}`,
          );
        }
        tools = toolServer;
        const servers = client.guilds.cache.size;
        io.stderr.write(
          `goosuke: Discord bot ready as ${client.user?.username ?? 'bot'} in ${servers} ${servers === 1 ? 'server' : 'servers'}\n`,
        );
        const cause = await signals.first;
        io.stderr.write(shutdownLine(cause));
        signals.deadline(discordGraceMs + 15_000);
        await bot.stop();
        await workers.stop({ graceMs: discordGraceMs });
        tools = null;
        await toolServer.close();
      } finally {
        await goosuke.close();
      }
    } finally {
      signals.dispose();
    }
    io.stderr.write('goosuke: stopped\n');
    return exitCodes.success;
  },
});
