import { describeExitCodes } from '../exit-codes.ts';
import type { Command, CommandEntry, CommandGroup, CommandOption } from './command.ts';

const width = 80;
const helpOption: CommandOption = { type: 'boolean', short: 'h', description: 'Show this help.' };

/** Help for `goosuke --help` and `goosuke help`: every command, the global flags and every exit code. */
export function renderRootHelp(entries: readonly CommandEntry[]): string {
  return [
    'goosuke: a self-hosted toolkit for AI coding and automation agents.',
    '',
    'Usage:',
    '  goosuke <command> [options] [arguments]',
    '  goosuke help [command]',
    '',
    'Commands:',
    ...table(leafCommands(entries, []).map(({ path, command }) => [path.join(' '), command.summary])),
    '',
    'Options:',
    ...table([
      ['-h, --help', 'Show this help.'],
      ['-v, --version', 'Print the version of goosuke.'],
    ]),
    '',
    'Exit codes:',
    ...table(describeExitCodes().map(([code, meaning]) => [String(code), meaning])),
    '',
    'Run `goosuke <command> --help` for the flags of a command.',
    'Set GOOSUKE_DEBUG=1 to print stack traces with errors.',
    '',
  ].join('\n');
}

/** Help for a group such as `goosuke patch --help`: its commands. */
export function renderGroupHelp(path: readonly string[], group: CommandGroup): string {
  return [
    `${group.summary}`,
    '',
    'Usage:',
    `  goosuke ${path.join(' ')} <command> [options] [arguments]`,
    '',
    'Commands:',
    ...table(
      leafCommands(group.commands, path).map(({ path, command }) => [path.join(' '), command.summary]),
    ),
    '',
    `Run \`goosuke ${path.join(' ')} <command> --help\` for the flags of a command.`,
    '',
  ].join('\n');
}

/** Help for one command: usage, description, arguments, every flag and its exit codes. */
export function renderCommandHelp(path: readonly string[], command: Command): string {
  const options = { ...command.options, help: helpOption };
  const argumentNames = command.arguments.map((argument) => argument.name).join(' ');
  return [
    'Usage:',
    `  goosuke ${path.join(' ')} [options]${argumentNames === '' ? '' : ` ${argumentNames}`}`,
    '',
    ...command.description
      .split('\n\n')
      .flatMap((paragraph) => [...wrap(paragraph.replace(/\s+/g, ' '), width), '']),
    ...(command.arguments.length === 0
      ? []
      : [
          'Arguments:',
          ...table(command.arguments.map((argument) => [argument.name, argument.description])),
          '',
        ]),
    'Options:',
    ...table(
      Object.entries(options).map(([name, option]) => [optionLabel(name, option), option.description]),
    ),
    '',
    'Exit codes:',
    ...table(command.exitCodes.map(([code, meaning]) => [String(code), meaning])),
    '',
  ].join('\n');
}

/** Every runnable command under `entries`, depth first, with its full path. */
export function leafCommands(
  entries: readonly CommandEntry[],
  prefix: readonly string[],
): Array<{ path: string[]; command: Command }> {
  return entries.flatMap((entry) =>
    entry.kind === 'command'
      ? [{ path: [...prefix, entry.name], command: entry }]
      : leafCommands(entry.commands, [...prefix, entry.name]),
  );
}

function optionLabel(name: string, option: CommandOption): string {
  const long = `--${name}${option.type === 'string' ? ` ${option.valueName ?? 'VALUE'}` : ''}`;
  const label = option.short === undefined ? `    ${long}` : `-${option.short}, ${long}`;
  return option.multiple === true ? `${label}...` : label;
}

/** Two aligned columns, the second wrapped to the help width. */
function table(rows: ReadonlyArray<readonly [string, string]>): string[] {
  const labelWidth = Math.min(Math.max(...rows.map(([label]) => label.length)), 28);
  const indent = 2 + labelWidth + 2;
  return rows.flatMap(([label, text]) => {
    const lines = wrap(text, width - indent);
    if (lines.length === 0) lines.push('');
    // A label too long for the column gets a line of its own.
    const head = label.length > labelWidth ? [`  ${label}`] : [];
    const body = lines.map((line, index) =>
      index === 0 && head.length === 0
        ? `  ${label.padEnd(labelWidth)}  ${line}`.trimEnd()
        : `${' '.repeat(indent)}${line}`,
    );
    return [...head, ...body];
  });
}

function wrap(text: string, columns: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ').filter((part) => part !== '')) {
    if (line !== '' && line.length + 1 + word.length > columns) {
      lines.push(line);
      line = word;
    } else {
      line = line === '' ? word : `${line} ${word}`;
    }
  }
  if (line !== '') lines.push(line);
  return lines;
}
