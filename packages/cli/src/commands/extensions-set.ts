import { type Extension, InvalidInputError, type UpdateExtensionInput } from '@goosuke/core';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { defineCommand } from './command.ts';
import { pairsOf, secretsOf } from './extensions.ts';

const setHint = 'see goosuke extensions set --help';

type Entry = { name: string; value: string | null; secret: boolean };

/**
 * `list` with `changes` applied by name: a changed entry replaces the stored one, the others are
 * kept as they are (a stored secret is sent without its value, which keeps it).
 */
function merged(
  list: readonly Entry[],
  changes: ReadonlyArray<{ name: string; value: string; secret?: boolean }>,
): Array<{ name: string; value?: string; secret: boolean }> {
  const changed = new Map(changes.map((change) => [change.name, change]));
  const kept = list
    .filter((entry) => !changed.has(entry.name))
    .map((entry) =>
      entry.secret || entry.value === null
        ? { name: entry.name, secret: entry.secret }
        : { name: entry.name, value: entry.value, secret: false },
    );
  return [...kept, ...changes.map((change) => ({ ...change, secret: change.secret === true }))];
}

/** `goosuke extensions set NAME …`: changes an extension, secrets read from the environment. */
export const extensionsSetCommand = defineCommand({
  name: 'set',
  summary: 'Change an extension: its environment, headers, secrets (from the environment), flags.',
  description: [
    'Changes the extension NAME. --env, --secret-env, --header and --secret-header add or replace',
    'one variable or header by name and keep the others (stored secrets stay as they are); this is',
    'how a secret imported from Goose without a value (env_keys) gets one: --secret-env',
    'GITHUB_TOKEN reads $GITHUB_TOKEN. --enable and --disable, --always-on and --not-always-on,',
    '--timeout and --description change those fields.',
  ].join('\n'),
  arguments: [{ name: 'NAME', description: 'The extension’s name or id.' }],
  options: {
    env: { type: 'string', multiple: true, valueName: 'NAME=VALUE', description: 'Set a variable.' },
    'secret-env': {
      type: 'string',
      multiple: true,
      valueName: 'NAME[=VARIABLE]',
      description: 'Set a secret variable, its value read from this environment.',
    },
    header: { type: 'string', multiple: true, valueName: 'NAME=VALUE', description: 'Set a header.' },
    'secret-header': {
      type: 'string',
      multiple: true,
      valueName: 'NAME=VARIABLE',
      description: 'Set a secret header, its value read from this environment.',
    },
    enable: { type: 'boolean', description: 'Enable it.' },
    disable: { type: 'boolean', description: 'Disable it: no run gets it.' },
    'always-on': { type: 'boolean', description: 'Give it to every run.' },
    'not-always-on': { type: 'boolean', description: 'Give it only to the runs that name it.' },
    timeout: { type: 'string', valueName: 'SECONDS', description: 'How long a tool call may take.' },
    description: { type: 'string', valueName: 'TEXT', description: 'What it offers, for people.' },
  },
  exitCodes: [
    [exitCodes.success, 'Changed.'],
    [exitCodes.usage, 'Usage error: no such extension, a flag wrong, a secret variable not set.'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database failed.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length !== 1) {
      throw new InvalidInputError(
        `extensions set takes one NAME but was given ${positionals.length}; ${setHint}`,
      );
    }
    if (options.enable === true && options.disable === true) {
      throw new InvalidInputError(`give --enable or --disable, not both; ${setHint}`);
    }
    if (options['always-on'] === true && options['not-always-on'] === true) {
      throw new InvalidInputError(`give --always-on or --not-always-on, not both; ${setHint}`);
    }
    const timeout = options.timeout === undefined ? undefined : Number(options.timeout);
    if (timeout !== undefined && !(Number.isInteger(timeout) && timeout > 0)) {
      throw new InvalidInputError(`--timeout ${options.timeout}: give a whole number of seconds`);
    }
    const configuration = await readCliConfiguration(io);
    const env = [
      ...pairsOf('env', options.env ?? []),
      ...secretsOf('secret-env', options['secret-env'] ?? [], configuration.env),
    ];
    const headers = [
      ...pairsOf('header', options.header ?? []),
      ...secretsOf('secret-header', options['secret-header'] ?? [], configuration.env),
    ];
    const updated: Extension = await withDefaultGoosuke(configuration, async (goosuke) => {
      const current = await goosuke.extensions.resolve(positionals[0]!);
      const change: UpdateExtensionInput = {
        ...(env.length === 0 ? {} : { env: merged(current.env, env) }),
        ...(headers.length === 0 ? {} : { headers: merged(current.headers, headers) }),
        ...(options.enable === true ? { enabled: true } : options.disable === true ? { enabled: false } : {}),
        ...(options['always-on'] === true
          ? { alwaysOn: true }
          : options['not-always-on'] === true
            ? { alwaysOn: false }
            : {}),
        ...(timeout === undefined ? {} : { timeoutSeconds: timeout }),
        ...(options.description === undefined ? {} : { description: options.description }),
      };
      if (Object.keys(change).length === 0) {
        throw new InvalidInputError(`extensions set needs something to change; ${setHint}`);
      }
      return goosuke.extensions.update(current.id, change);
    });
    const secrets = [...updated.env, ...updated.headers].filter((entry) => entry.secret).length;
    io.stdout.write(
      `Changed extension ${updated.name} (${updated.enabled ? 'enabled' : 'disabled'}${updated.alwaysOn ? ', always on' : ''}, ${secrets} ${secrets === 1 ? 'secret' : 'secrets'})\n`,
    );
    return exitCodes.success;
  },
});
