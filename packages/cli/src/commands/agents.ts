import { type AgentView, agentWireSchema, InvalidInputError } from '@goosuke/core';
import { parse as parseShellWords } from 'shell-quote';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import { exitCodes, exitCodeTable, listingExitCodes } from '../exit-codes.ts';
import { defineCommand } from './command.ts';
import { renderTable } from './plain-table.ts';

/** The agents as a table, then how to install each built-in one that is missing. */
export function renderAgents(agents: readonly AgentView[]): string {
  const table = renderTable([
    ['NAME', 'KIND', 'WIRE', 'INSTALLED', 'VERSION', 'PATH'],
    ...agents.map((agent) => [
      agent.aliases.length === 0 ? agent.name : `${agent.name} (${agent.aliases.join(', ')})`,
      agent.kind,
      agent.wire,
      agent.installation.installed ? 'yes' : 'no',
      agent.installation.version ?? '-',
      agent.installation.path ?? '-',
    ]),
  ]);
  const missing = agents.filter((agent) => !agent.installation.installed);
  const hints = missing.map(
    (agent) =>
      `  ${agent.name}: ${agent.install ?? agent.installation.problem ?? 'not found'}${agent.install !== null && agent.installation.problem !== null ? ` (${agent.installation.problem})` : ''}\n`,
  );
  return hints.length === 0 ? table : `${table}\nNot installed:\n${hints.join('')}`;
}

/** `goosuke agents list [--json]`: the coding agents, whether each is installed, how to install the others. */
export const agentsListCommand = defineCommand({
  name: 'list',
  summary: 'List the coding agents and whether each is installed here.',
  description: [
    'Prints the built-in agents (claude-code, codex, gemini, goose) and the custom ones added with',
    'goosuke agents add: the API each speaks, whether it is installed on this machine (version and',
    'path), and how to install the missing ones. goosuke run --agent NAME runs one.',
  ].join('\n'),
  arguments: [],
  options: {
    json: {
      type: 'boolean',
      description:
        'Print one JSON array of agents { name, kind, aliases, displayName, wire, defaultModel, install, installation { installed, path, version, problem }, id }.',
    },
  },
  exitCodes: listingExitCodes,

  async run({ io, options, positionals }) {
    if (positionals.length > 0) {
      throw new InvalidInputError('agents list takes no arguments; see goosuke agents list --help');
    }
    const configuration = await readCliConfiguration(io);
    const agents = await withDefaultGoosuke(configuration, (goosuke) => goosuke.agents.list());
    io.stdout.write(options.json === true ? `${JSON.stringify(agents, null, 2)}\n` : renderAgents(agents));
    return exitCodes.success;
  },
});

const addHint = 'see goosuke agents add --help';

/** `goosuke agents add NAME --command "CMD ARGS" --wire WIRE`: a custom ACP agent. */
export const agentsAddCommand = defineCommand({
  name: 'add',
  summary: 'Add a custom agent: any program speaking the Agent Client Protocol on stdio.',
  description: [
    'Adds a custom agent NAME. --command is the program and its arguments, split on spaces (quote',
    'an argument with spaces: "my-agent --flag \'a b\'"); the program is an absolute path or a name',
    'on PATH. --wire is the model API it speaks: anthropic, openai-responses, openai-chat or gemini;',
    "its runs call Goosuke's model gateway with that API (GOOSUKE_MODEL_BASE_URL, GOOSUKE_MODEL_TOKEN,",
    "and the wire's usual variables such as OPENAI_BASE_URL/OPENAI_API_KEY), never the real key.",
  ].join('\n'),
  arguments: [{ name: 'NAME', description: 'Lower-case letters, digits and dashes.' }],
  options: {
    command: { type: 'string', valueName: 'CMD ARGS', description: 'The program and its arguments.' },
    wire: {
      type: 'string',
      valueName: 'WIRE',
      description: `The model API it speaks: ${agentWireSchema.options.join(', ')}.`,
    },
    'session-mode': {
      type: 'string',
      valueName: 'MODE',
      description: 'A session mode set after session/new (e.g. acceptEdits), when the agent offers it.',
    },
    description: { type: 'string', valueName: 'TEXT', description: 'What the agent is, for people.' },
  },
  exitCodes: [
    [exitCodes.success, 'Added.'],
    [exitCodes.usage, 'Usage error: a flag missing or wrong, a taken or built-in name.'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database failed.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length !== 1) {
      throw new InvalidInputError(
        `agents add takes one NAME but was given ${positionals.length}; ${addHint}`,
      );
    }
    if (options.command === undefined) throw new InvalidInputError(`agents add needs --command; ${addHint}`);
    if (options.wire === undefined) throw new InvalidInputError(`agents add needs --wire; ${addHint}`);
    const wire = agentWireSchema.safeParse(options.wire);
    if (!wire.success) {
      throw new InvalidInputError(`--wire ${options.wire}: use one of ${agentWireSchema.options.join(', ')}`);
    }
    const [command, ...args] = splitCommandLine(options.command);
    if (command === undefined) throw new InvalidInputError(`--command is empty; ${addHint}`);
    const configuration = await readCliConfiguration(io);
    const agent = await withDefaultGoosuke(configuration, (goosuke) =>
      goosuke.agents.create({
        name: positionals[0]!,
        command,
        args,
        wire: wire.data,
        ...(options['session-mode'] === undefined ? {} : { sessionMode: options['session-mode'] }),
        ...(options.description === undefined ? {} : { description: options.description }),
      }),
    );
    io.stdout.write(
      `Added agent ${agent.name} (${agent.wire}): ${agent.installation.installed ? `found at ${agent.installation.path}` : `not found yet (${agent.installation.problem ?? 'not installed'})`}.\n`,
    );
    return exitCodes.success;
  },
});

/** `goosuke agents remove NAME`: removes a custom agent. */
export const agentsRemoveCommand = defineCommand({
  name: 'remove',
  summary: 'Remove a custom agent.',
  description:
    'Removes the custom agent NAME. Its past runs keep its name; built-in agents cannot be removed.',
  arguments: [{ name: 'NAME', description: 'The custom agent’s name.' }],
  options: {},
  exitCodes: [
    [exitCodes.success, 'Removed.'],
    [exitCodes.usage, 'Usage error: no such custom agent, a built-in one, or no NAME.'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database failed.'],
  ],

  async run({ io, positionals }) {
    if (positionals.length !== 1) {
      throw new InvalidInputError(
        `agents remove takes one NAME but was given ${positionals.length}; see goosuke agents remove --help`,
      );
    }
    const configuration = await readCliConfiguration(io);
    await withDefaultGoosuke(configuration, (goosuke) => goosuke.agents.delete(positionals[0]!));
    io.stdout.write(`Removed agent ${positionals[0]}.\n`);
    return exitCodes.success;
  },
});

/**
 * Splits `--command` into words as a shell would for words and quotes, with shell-quote (no
 * variable expansion: `$HOME` stays as written). InvalidInputError for shell operators, globs or
 * comments, which a command line for an agent has no use for.
 */
export function splitCommandLine(text: string): string[] {
  const words = parseShellWords(text, (name) => `$${name}`);
  return words.map((word) => {
    if (typeof word !== 'string') {
      throw new InvalidInputError(
        `--command ${JSON.stringify(text)}: give a program and its arguments only (no operators, globs or comments)`,
      );
    }
    return word;
  });
}
