import { parseArgs } from 'node:util';
import { GoosukeError, InvalidInputError } from '@goosuke/core';
import { type CliIo, resolveCliIo } from './cli-io.ts';
import type { Command, CommandEntry, CommandGroup, CommandOptions } from './commands/command.ts';
import { renderCommandHelp, renderGroupHelp, renderRootHelp } from './commands/help.ts';
import { commandRegistry } from './commands/registry.ts';
import { exitCodeFor, exitCodes } from './exit-codes.ts';
import { cliVersion } from './version.ts';

export type { CliIo, TextSink } from './cli-io.ts';

/**
 * Runs the `goosuke` command line and resolves to the process exit code; never rejects.
 *
 * `argv` is the arguments after the program name (`process.argv.slice(2)`). `io` replaces any of the
 * process's streams, cwd and environment, so tests run commands in-process. Errors print one line on
 * stderr (`goosuke: ...`) and map to an exit code through the table in exit-codes.ts: usage errors 2,
 * unexpected errors 70 (with the stack trace only when GOOSUKE_DEBUG=1).
 */
export async function main(argv: readonly string[], io: Partial<CliIo> = {}): Promise<number> {
  const cli = resolveCliIo(io);
  try {
    return await route(argv, cli);
  } catch (error) {
    return reportError(error, cli);
  }
}

async function route(argv: readonly string[], io: CliIo): Promise<number> {
  const first = argv[0];
  if (first === '--version' || first === '-v') {
    io.stdout.write(`${cliVersion}\n`);
    return exitCodes.success;
  }
  if (first === 'help') return showHelp(argv.slice(1), io);

  let entries: readonly CommandEntry[] = commandRegistry;
  let group: CommandGroup | null = null;
  const path: string[] = [];
  for (let index = 0; ; index++) {
    const word = argv[index];
    // A bare `goosuke` or `goosuke patch` asks where to go next: show that level's help.
    if (word === undefined || word === '--help' || word === '-h') {
      io.stdout.write(group === null ? renderRootHelp(commandRegistry) : renderGroupHelp(path, group));
      return exitCodes.success;
    }
    const scope = ['goosuke', ...path].join(' ');
    if (word.startsWith('-')) throw usageError(`unknown option ${word} for ${scope}; see ${scope} --help`);
    const entry = entries.find((candidate) => candidate.name === word);
    if (entry === undefined) {
      const known = entries.map((candidate) => candidate.name).join(', ');
      throw usageError(`unknown command ${[...path, word].join(' ')} (try: ${known}); see ${scope} --help`);
    }
    path.push(word);
    if (entry.kind === 'command') return runCommand(path, entry, argv.slice(index + 1), io);
    group = entry;
    entries = entry.commands;
  }
}

/** `goosuke help [command...]`. */
function showHelp(words: readonly string[], io: CliIo): number {
  let entries: readonly CommandEntry[] = commandRegistry;
  let found: CommandEntry | null = null;
  for (const word of words) {
    const entry = entries.find((candidate) => candidate.name === word);
    if (entry === undefined) {
      throw usageError(`no help for ${words.join(' ')}: there is no such command; see goosuke --help`);
    }
    found = entry;
    entries = entry.kind === 'group' ? entry.commands : [];
  }
  if (found === null) io.stdout.write(renderRootHelp(commandRegistry));
  else if (found.kind === 'group') io.stdout.write(renderGroupHelp(words, found));
  else io.stdout.write(renderCommandHelp(words, found));
  return exitCodes.success;
}

async function runCommand(
  path: readonly string[],
  command: Command,
  args: string[],
  io: CliIo,
): Promise<number> {
  const name = path.join(' ');
  const terminator = args.indexOf('--');
  const flags = terminator === -1 ? args : args.slice(0, terminator);
  if (flags.includes('--help') || flags.includes('-h')) {
    io.stdout.write(renderCommandHelp(path, command));
    return exitCodes.success;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args,
      options: parseArgsOptions(command.options),
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw usageError(
      `${describeParseError(error, command.options)} for ${name}; see goosuke ${name} --help`,
      error,
    );
  }
  return command.run({
    io,
    options: parsed.values as Record<string, string | boolean | string[] | undefined>,
    positionals: parsed.positionals,
  });
}

function parseArgsOptions(options: CommandOptions) {
  return Object.fromEntries(
    Object.entries(options).map(([name, option]) => [
      name,
      {
        type: option.type,
        ...(option.short === undefined ? {} : { short: option.short }),
        ...(option.multiple === undefined ? {} : { multiple: option.multiple }),
      },
    ]),
  );
}

/** Rewords parseArgs' messages as "what to fix". */
function describeParseError(error: unknown, options: CommandOptions): string {
  const code = (error as { code?: string }).code;
  const message = error instanceof Error ? error.message : String(error);
  const flag = /'(-{1,2}[^' =<]+)/.exec(message)?.[1] ?? '';
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') return `unknown option ${flag}`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const option = options[flag.replace(/^-+/, '')];
    if (option?.type === 'boolean') return `option ${flag} takes no value`;
    return `option ${flag} needs a value${option?.valueName === undefined ? '' : ` (${option.valueName})`}`;
  }
  return message.replace(/\.$/, '');
}

function usageError(message: string, cause?: unknown): InvalidInputError {
  return new InvalidInputError(message, [], cause === undefined ? {} : { cause });
}

/** Prints one line for an error that reached the top and returns its exit code. */
function reportError(error: unknown, io: CliIo): number {
  const exitCode = exitCodeFor(error);
  const debug = io.env.GOOSUKE_DEBUG === '1';
  const message = error instanceof Error ? error.message : String(error);
  const known = GoosukeError.isInstance(error) && error.code !== 'internal';
  const line = known ? message : `internal error: ${message}`;
  const hint = exitCode === exitCodes.internal && !debug ? ' (set GOOSUKE_DEBUG=1 for the stack trace)' : '';
  io.stderr.write(`goosuke: ${oneLine(line)}${hint}\n`);
  if (debug) io.stderr.write(`${describeForDebugging(error)}\n`);
  return exitCode;
}

function describeForDebugging(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 5; depth++) {
    parts.push(
      current instanceof Error ? (current.stack ?? `${current.name}: ${current.message}`) : String(current),
    );
    current = current instanceof Error ? current.cause : undefined;
    if (current !== undefined) parts.push('caused by:');
  }
  return parts.join('\n');
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
