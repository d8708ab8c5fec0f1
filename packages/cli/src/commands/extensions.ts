import { type CreateExtensionInput, collectPages, type Extension, InvalidInputError } from '@goosuke/core';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import { configuredExtensionConnector } from '../default-goosuke.ts';
import { exitCodes, exitCodeTable, listingExitCodes } from '../exit-codes.ts';
import { splitCommandLine } from './agents.ts';
import { defineCommand } from './command.ts';
import { renderTable } from './plain-table.ts';

/** The extensions as a table (never a secret value: the service returns none). */
export function renderExtensions(extensions: readonly Extension[]): string {
  if (extensions.length === 0) {
    return 'No extensions yet: add one with goosuke extensions add NAME --command "CMD ARGS" or --url URL\n';
  }
  return renderTable([
    ['NAME', 'TYPE', 'ENABLED', 'ALWAYS ON', 'SERVER', 'TARGET'],
    ...extensions.map((extension) => [
      extension.name,
      extension.type,
      extension.enabled ? 'yes' : 'no',
      extension.alwaysOn ? 'yes' : 'no',
      extension.server === null ? '-' : `${extension.server.name} ${extension.server.version}`,
      extension.uri ?? [extension.command ?? '', ...extension.args].join(' ').trim(),
    ]),
  ]);
}

/** `goosuke extensions list [--json]`. */
export const extensionsListCommand = defineCommand({
  name: 'list',
  summary: 'List the MCP extensions.',
  description: [
    'Prints each extension: its type (stdio, streamable_http or sse), whether it is enabled and',
    'always on, the server it reported when last tested, and its command or URL. Secret',
    'environment values and headers are never shown.',
  ].join('\n'),
  arguments: [],
  options: {
    json: { type: 'boolean', description: 'Print one JSON array of extensions (secret values are null).' },
  },
  exitCodes: listingExitCodes,

  async run({ io, options, positionals }) {
    if (positionals.length > 0) {
      throw new InvalidInputError('extensions list takes no arguments; see goosuke extensions list --help');
    }
    const configuration = await readCliConfiguration(io);
    const extensions = await withDefaultGoosuke(configuration, (goosuke) =>
      collectPages((cursor) => goosuke.extensions.list({ limit: 500, cursor })),
    );
    io.stdout.write(
      options.json === true ? `${JSON.stringify(extensions, null, 2)}\n` : renderExtensions(extensions),
    );
    return exitCodes.success;
  },
});

const addHint = 'see goosuke extensions add --help';

/** `NAME=VALUE` pairs; InvalidInputError naming the flag for one without `=` or a name. */
export function pairsOf(flag: string, values: readonly string[]): Array<{ name: string; value: string }> {
  return values.map((entry) => {
    const equals = entry.indexOf('=');
    if (equals <= 0)
      throw new InvalidInputError(`--${flag} ${JSON.stringify(entry)}: give NAME=VALUE; ${addHint}`);
    return { name: entry.slice(0, equals), value: entry.slice(equals + 1) };
  });
}

/**
 * `NAME` or `NAME=VARIABLE` secrets, their values read from this process's environment (so that
 * they never appear on a command line, in the shell's history or in `ps`).
 */
export function secretsOf(
  flag: string,
  values: readonly string[],
  env: Readonly<Record<string, string | undefined>>,
): Array<{ name: string; value: string; secret: true }> {
  return values.map((entry) => {
    const equals = entry.indexOf('=');
    const name = equals === -1 ? entry : entry.slice(0, equals);
    const variable = equals === -1 ? entry : entry.slice(equals + 1);
    const value = env[variable];
    if (name === '' || variable === '')
      throw new InvalidInputError(
        `--${flag} ${JSON.stringify(entry)}: give NAME or NAME=VARIABLE; ${addHint}`,
      );
    if (value === undefined || value === '') {
      throw new InvalidInputError(
        `--${flag} ${name}: set the environment variable ${variable} to the secret value`,
      );
    }
    return { name, value, secret: true };
  });
}

/** `goosuke extensions add NAME --command "CMD ARGS" | --url URL`: an MCP server. */
export const extensionsAddCommand = defineCommand({
  name: 'add',
  summary: 'Add an MCP extension: a command Goosuke starts, or a server URL.',
  description: [
    'Adds the extension NAME. --command "CMD ARGS" is a stdio server Goosuke starts (in its sandbox,',
    'with only the --env and --secret-env variables); --url is a streamable-HTTP server (--type sse',
    'for an SSE one), called with the --header and --secret-header headers. Secret values are read',
    'from environment variables, never from the command line: --secret-env GITHUB_TOKEN takes',
    'the value of $GITHUB_TOKEN, --secret-env TOKEN=MY_VAR that of $MY_VAR. They are encrypted with',
    'GOOSUKE_SECRET_KEY and never shown again.',
  ].join('\n'),
  arguments: [{ name: 'NAME', description: 'The extension’s name.' }],
  options: {
    command: {
      type: 'string',
      valueName: 'CMD ARGS',
      description: 'A stdio server: the program and its arguments.',
    },
    url: { type: 'string', valueName: 'URL', description: 'An HTTP server: its endpoint (http or https).' },
    builtin: {
      type: 'string',
      valueName: 'NAME',
      description:
        "One of Goosuke's own: discord (read and post in the channel a Discord-triggered task came from).",
    },
    type: {
      type: 'string',
      valueName: 'TYPE',
      description: 'With --url: streamable_http (default) or sse.',
    },
    env: {
      type: 'string',
      multiple: true,
      valueName: 'NAME=VALUE',
      description: 'An environment variable of a stdio server.',
    },
    'secret-env': {
      type: 'string',
      multiple: true,
      valueName: 'NAME[=VARIABLE]',
      description: 'A secret environment variable, its value read from this environment.',
    },
    header: { type: 'string', multiple: true, valueName: 'NAME=VALUE', description: 'An HTTP header.' },
    'secret-header': {
      type: 'string',
      multiple: true,
      valueName: 'NAME=VARIABLE',
      description:
        'A secret HTTP header (e.g. Authorization=MCP_AUTH), its value read from this environment.',
    },
    cwd: {
      type: 'string',
      valueName: 'DIR',
      description: 'The working directory of a stdio server (absolute).',
    },
    timeout: {
      type: 'string',
      valueName: 'SECONDS',
      description: 'How long a tool call may take (default 60).',
    },
    description: { type: 'string', valueName: 'TEXT', description: 'What it offers, for people.' },
    'always-on': { type: 'boolean', description: 'Give it to every run.' },
  },
  exitCodes: [
    [exitCodes.success, 'Added.'],
    [exitCodes.usage, 'Usage error: a flag missing or wrong, a name in use, a secret variable not set.'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database failed.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length !== 1) {
      throw new InvalidInputError(
        `extensions add takes one NAME but was given ${positionals.length}; ${addHint}`,
      );
    }
    const kinds = [options.command, options.url, options.builtin].filter((value) => value !== undefined);
    if (kinds.length !== 1) {
      throw new InvalidInputError(`extensions add needs one of --command, --url or --builtin; ${addHint}`);
    }
    const configuration = await readCliConfiguration(io);
    const timeout = options.timeout === undefined ? undefined : Number(options.timeout);
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
      throw new InvalidInputError(`--timeout ${options.timeout}: give a whole number of seconds`);
    }
    const common = {
      name: positionals[0]!,
      ...(options.description === undefined ? {} : { description: options.description }),
      ...(timeout === undefined ? {} : { timeoutSeconds: timeout }),
      ...(options['always-on'] === true ? { alwaysOn: true } : {}),
    };
    let input: CreateExtensionInput;
    if (options.builtin !== undefined) {
      input = { ...common, type: 'builtin', command: options.builtin };
    } else if (options.command !== undefined) {
      const [command, ...args] = splitCommandLine(options.command);
      if (command === undefined) throw new InvalidInputError(`--command is empty; ${addHint}`);
      input = {
        ...common,
        type: 'stdio',
        command,
        args,
        ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
        env: [
          ...pairsOf('env', options.env ?? []),
          ...secretsOf('secret-env', options['secret-env'] ?? [], configuration.env),
        ],
      };
    } else {
      const type = options.type ?? 'streamable_http';
      if (type !== 'streamable_http' && type !== 'sse') {
        throw new InvalidInputError(`--type ${type}: use streamable_http or sse`);
      }
      input = {
        ...common,
        type,
        uri: options.url!,
        headers: [
          ...pairsOf('header', options.header ?? []),
          ...secretsOf('secret-header', options['secret-header'] ?? [], configuration.env),
        ],
      };
    }
    const extension = await withDefaultGoosuke(configuration, (goosuke) => goosuke.extensions.create(input));
    io.stdout.write(
      `Added extension ${extension.name} (${extension.type}); check it with goosuke extensions test ${extension.name}\n`,
    );
    return exitCodes.success;
  },
});

/** `goosuke extensions remove NAME`. */
export const extensionsRemoveCommand = defineCommand({
  name: 'remove',
  summary: 'Remove an MCP extension.',
  description: 'Removes the extension NAME (or id). Refused while templates name it.',
  arguments: [{ name: 'NAME', description: 'The extension’s name or id.' }],
  options: {},
  exitCodes: [
    [exitCodes.success, 'Removed.'],
    [exitCodes.usage, 'Usage error: no such extension, or templates still name it.'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database failed.'],
  ],

  async run({ io, positionals }) {
    if (positionals.length !== 1) {
      throw new InvalidInputError(
        `extensions remove takes one NAME but was given ${positionals.length}; see goosuke extensions remove --help`,
      );
    }
    const configuration = await readCliConfiguration(io);
    const name = await withDefaultGoosuke(configuration, async (goosuke) => {
      const extension = await goosuke.extensions.resolve(positionals[0]!);
      await goosuke.extensions.delete(extension.id);
      return extension.name;
    });
    io.stdout.write(`Removed extension ${name}.\n`);
    return exitCodes.success;
  },
});

/** `goosuke extensions test NAME`: connects, lists the tools, records the server's name and version. */
export const extensionsTestCommand = defineCommand({
  name: 'test',
  summary: 'Connect to an MCP extension and list its tools.',
  description: [
    'Connects to the extension NAME: a stdio server runs in the sandbox agents run in (read-only',
    "files, no network, Goosuke's data directory and .env hidden), with its own environment and PATH;",
    'prints the name and version its server reports and its',
    'tools, and records the server. A server that cannot be started or reached says why.',
  ].join('\n'),
  arguments: [{ name: 'NAME', description: 'The extension’s name or id.' }],
  options: {
    json: { type: 'boolean', description: 'Print one JSON document { server, tools }.' },
  },
  exitCodes: [
    [exitCodes.success, 'Connected and listed its tools.'],
    [
      exitCodeTable.provider.exitCode,
      'The server could not be started or reached, or failed (why, on stderr).',
    ],
    [exitCodeTable.timeout.exitCode, 'The server did not answer within the extension’s timeout.'],
    [exitCodes.usage, 'Usage error: no such extension.'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length !== 1) {
      throw new InvalidInputError(
        `extensions test takes one NAME but was given ${positionals.length}; see goosuke extensions test --help`,
      );
    }
    const configuration = await readCliConfiguration(io);
    const { config } = configuration;
    const report = await withDefaultGoosuke(configuration, async (goosuke) => {
      const { id } = await goosuke.extensions.resolve(positionals[0]!);
      const revealed = await goosuke.extensions.reveal(id);
      const { extension } = revealed;
      if (revealed.missingSecrets.length > 0) {
        const [first] = revealed.missingSecrets;
        throw new InvalidInputError(
          `the secret ${revealed.missingSecrets.join(', ')} of ${extension.name} has no value yet: goosuke extensions set ${extension.name} --secret-env ${first}`,
        );
      }
      // As runs connect: the sandbox hides the data directory, the .env and the HOME.
      const connection = await configuredExtensionConnector(config, configuration.env).connect({
        extension,
        env: revealed.env,
        headers: revealed.headers,
        secrets: revealed.secrets,
      });
      try {
        const tools = await connection.listTools();
        await goosuke.extensions.recordServer(id, connection.serverInfo);
        return { server: connection.serverInfo, tools };
      } finally {
        await connection.close();
      }
    });
    if (options.json === true) {
      io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    } else {
      io.stdout.write(`${report.server.name} ${report.server.version}: ${report.tools.length} tools\n`);
      for (const tool of report.tools) {
        io.stdout.write(`  ${tool.name}${tool.description ? `: ${tool.description.split('\n')[0]}` : ''}\n`);
      }
    }
    return exitCodes.success;
  },
});
