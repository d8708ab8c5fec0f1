import type { CliIo } from '../cli-io.ts';

/** One `--flag` of a command, as `node:util` parseArgs reads it and help shows it. */
export interface CommandOption {
  type: 'string' | 'boolean';
  /** One-letter alias, without the dash. */
  short?: string;
  /** May be given several times; the value is then an array. */
  multiple?: boolean;
  /** Placeholder shown in help after a string flag, e.g. `DIR`. */
  valueName?: string;
  /** One sentence (or a few) for help. */
  description: string;
}

/** A command's flags, keyed by long name (without `--`). */
export type CommandOptions = Record<string, CommandOption>;

/** The parsed value of one flag: a boolean, a string, or for a repeatable flag an array of strings. */
export type OptionValue<Option extends CommandOption> = Option['type'] extends 'boolean'
  ? boolean
  : Option['type'] extends 'string'
    ? Option extends { multiple: true }
      ? string[]
      : string
    : // A flag of unknown shape (the registry's erased view).
      string | boolean | string[];

/** The parsed values of a command's flags; a flag that was not given is absent. */
export type OptionValues<Options extends CommandOptions> = {
  [Name in keyof Options]?: OptionValue<Options[Name]>;
};

/** What a command's `run` receives. */
export interface CommandContext<Options extends CommandOptions> {
  io: CliIo;
  options: OptionValues<Options>;
  positionals: string[];
}

/** A positional argument, for help. */
export interface CommandArgument {
  /** As shown in the usage line, e.g. `FILE|-`. */
  name: string;
  description: string;
}

/** A command as written: typed flags and a `run` that returns the exit code. */
export interface CommandDefinition<Options extends CommandOptions> {
  /** The last word of the command path (`apply` in `goosuke patch apply`). */
  name: string;
  /** One line for command lists. */
  summary: string;
  /** Paragraphs shown by `--help` under the usage line. */
  description: string;
  arguments: readonly CommandArgument[];
  options: Options;
  /** The exit codes this command returns and what each means here, for help. */
  exitCodes: ReadonlyArray<readonly [number, string]>;
  /**
   * Does the work and returns the process exit code. Usage errors and failures outside the expected
   * outcomes are thrown as GoosukeError; `main` prints them as one line and maps their code.
   */
  run(context: CommandContext<Options>): Promise<number>;
}

/** A runnable command in the registry (its flag types erased so commands of any shape fit one list). */
export interface Command extends CommandDefinition<CommandOptions> {
  kind: 'command';
}

/** A word that groups commands, like `patch` in `goosuke patch apply`. */
export interface CommandGroup {
  kind: 'group';
  name: string;
  summary: string;
  commands: readonly CommandEntry[];
}

/** A node of the command tree. */
export type CommandEntry = Command | CommandGroup;

/** Declares a command; keeps its flags' types for `run` and erases them for the registry. */
export function defineCommand<const Options extends CommandOptions>(
  definition: CommandDefinition<Options>,
): Command {
  return { kind: 'command', ...definition } as unknown as Command;
}

/** Declares a group of commands. */
export function defineGroup(group: Omit<CommandGroup, 'kind'>): CommandGroup {
  return { kind: 'group', ...group };
}
