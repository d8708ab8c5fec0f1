import { GoosukeError, InvalidInputError, type User } from '@goosuke/core';
import { readFirstLine } from '../cli-io.ts';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { defineCommand } from './command.ts';

const helpHint = 'see goosuke users add --help';
const pipeHint = `pipe it in, e.g. read -rs PASSWORD && printf '%s\\n' "$PASSWORD" | goosuke users add NAME --password-stdin`;

/** What to name, in an error, for each field of the service's input. */
const sourceFor: Record<string, string> = {
  username: 'NAME',
  displayName: '--display-name',
  password: 'password (stdin)',
  role: '--admin',
};

/**
 * `goosuke users add NAME [--admin] [--display-name TEXT] --password-stdin [--json]`: creates a
 * user (the first admin this way: there is no open registration). The password is read from the
 * first line of stdin only, never from an argument or a flag, and never printed. Needs
 * GOOSUKE_SECRET_KEY like every command that opens the database, but not GOOSUKE_JWT_SECRET.
 */
export const usersAddCommand = defineCommand({
  name: 'add',
  summary: 'Create a user (the first admin with --admin); the password comes from stdin.',
  description: [
    'Creates a user who can sign in to the Goosuke server. There is no open registration: the first',
    'admin is created with this command, later users by an admin (here or through the API).',
    '',
    'NAME is the sign-in name: lower-case letters, digits, ".", "_" or "-" (upper case is folded).',
    'The password is read from the first line of stdin with --password-stdin and from nowhere else',
    '(an argument would be kept in shell history and shown by ps). It needs at least 12 characters.',
    'It is stored as a scrypt hash and never printed.',
    '',
    'Configuration is read as for goosuke models add (GOOSUKE_SECRET_KEY, GOOSUKE_DATA_DIR,',
    'GOOSUKE_DATABASE_URL); GOOSUKE_JWT_SECRET is not needed to add users.',
  ].join('\n'),
  arguments: [{ name: 'NAME', description: 'The sign-in name of the new user.' }],
  options: {
    admin: {
      type: 'boolean',
      description: 'Make the user an admin (manages users, models, actions and extensions).',
    },
    'display-name': {
      type: 'string',
      valueName: 'TEXT',
      description: 'The name shown to people (default: NAME).',
    },
    'password-stdin': {
      type: 'boolean',
      description: 'Read the password from the first line of stdin (required).',
    },
    json: {
      type: 'boolean',
      description: 'Print the created user as one JSON object.',
    },
  },
  exitCodes: [
    [exitCodes.success, 'The user was created.'],
    [exitCodes.usage, 'Usage error (no NAME, no --password-stdin, a weak password, an invalid name).'],
    [exitCodeTable.conflict.exitCode, 'A user with this name already exists.'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database failed.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length !== 1) {
      // Never echo the arguments: a stray one may well be the password.
      throw new InvalidInputError(
        positionals.length === 0
          ? `users add needs NAME; ${helpHint}`
          : `users add takes one NAME but was given ${positionals.length} arguments; the password is read from stdin only (--password-stdin), never from an argument; ${helpHint}`,
      );
    }
    const username = positionals[0]!;
    if (options['password-stdin'] !== true) {
      throw new InvalidInputError(
        `users add needs --password-stdin: the password is read from stdin only; ${pipeHint}`,
      );
    }
    if ((io.stdin as { isTTY?: boolean }).isTTY === true) {
      // A terminal would echo the password as it is typed.
      throw new InvalidInputError(`--password-stdin reads a pipe, not a terminal; ${pipeHint}`);
    }
    const password = await readFirstLine(io.stdin);
    if (password === '') {
      throw new InvalidInputError(`--password-stdin: the first line of stdin is empty; ${pipeHint}`);
    }

    const configuration = await readCliConfiguration(io);
    const { user, admins } = await withDefaultGoosuke(configuration, async (goosuke) => {
      try {
        const created = await goosuke.users.create({
          username,
          password,
          role: options.admin === true ? 'admin' : 'member',
          ...(options['display-name'] === undefined ? {} : { displayName: options['display-name'] }),
        });
        return { user: created, admins: await goosuke.users.count({ role: 'admin', disabled: false }) };
      } catch (error) {
        throw rewordError(error, username);
      }
    });
    io.stdout.write(options.json === true ? `${JSON.stringify(user, null, 2)}\n` : renderUser(user));
    if (admins === 0) {
      io.stderr.write(
        'goosuke: note: there is no admin yet; create one with goosuke users add NAME --admin\n',
      );
    }
    return exitCodes.success;
  },
});

function renderUser(user: User): string {
  const rows: Array<[string, string]> = [
    ['id', user.id],
    ['username', user.username],
    ['name', user.displayName],
    ['role', user.role],
  ];
  const width = Math.max(...rows.map(([label]) => label.length)) + 1;
  return rows.map(([label, value]) => `${`${label}:`.padEnd(width)} ${value}\n`).join('');
}

/** Names what to fix (NAME, a flag, the password) instead of the service's field, in one line. */
function rewordError(error: unknown, username: string): unknown {
  if (!GoosukeError.isInstance(error)) return error;
  if (error.code === 'conflict') {
    return new GoosukeError(
      'conflict',
      `a user named ${JSON.stringify(username.trim().toLowerCase())} already exists`,
      {
        cause: error,
      },
    );
  }
  if (error.code !== 'invalid_input') return error;
  const issues = (error as InvalidInputError).issues ?? [];
  const issue = issues[0];
  const field = issue?.path[0];
  const source = typeof field === 'string' ? sourceFor[field] : undefined;
  if (issue === undefined || source === undefined) return error;
  return new InvalidInputError(`invalid ${source}: ${issue.message}; ${helpHint}`, issues, { cause: error });
}
