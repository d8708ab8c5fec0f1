import { InvalidInputError, type Run } from '@goosuke/core';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { plural } from '../plural.ts';
import { defineCommand } from './command.ts';

const helpHint = 'see goosuke runs show --help';

/** The lines of `goosuke runs show RUN`: where the run's result is and how to get at it. */
export function renderRun(run: Run): string {
  const lines = [
    `Run ${run.id}: ${run.status}`,
    ...(run.workingBranch === null
      ? []
      : [`Branch: ${run.workingBranch} (in the clone in GOOSUKE_DATA_DIR)`]),
    `Files: ${plural(run.filesChanged.length, 'file')} changed${run.filesChanged.length === 0 ? '' : `: ${run.filesChanged.map((file) => file.path).join(', ')}`}`,
    ...(run.summary === null || run.summary === '' ? [] : [`Summary: ${run.summary}`]),
    ...(run.error === null ? [] : [`Error: ${run.error.message}`]),
  ];
  if (run.patch !== null && run.patch !== '') {
    lines.push(
      '',
      `The patch:         goosuke runs show ${run.id} --patch`,
      `Apply it here:     goosuke runs show ${run.id} --patch | goosuke patch apply -`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `goosuke runs show RUN [--patch | --json]`: a run stored by `goosuke run` (or the server): its
 * status, branch, files and summary; `--patch` prints only its patch (a git diff, nothing when it
 * has none) for `goosuke patch apply -` or `git apply`.
 */
export const runsShowCommand = defineCommand({
  name: 'show',
  summary: 'Show a run: its status, branch, files and how to get its patch.',
  description: [
    'Reads RUN from the database in GOOSUKE_DATA_DIR (the run ids are in the last lines of',
    'goosuke run, and in its --json document) and prints its status, its branch, the files it',
    'changed and its summary. --patch prints only its patch, a git diff, so that',
    '',
    '  goosuke runs show RUN --patch | goosuke patch apply -',
    '',
    'applies it to the current directory (git apply reads it too).',
  ].join('\n'),
  arguments: [{ name: 'RUN', description: 'The run id.' }],
  options: {
    patch: {
      type: 'boolean',
      description: "Print only the run's patch (a git diff; nothing if it has none).",
    },
    json: { type: 'boolean', description: 'Print the run as JSON.' },
  },
  exitCodes: [
    [exitCodes.success, 'Shown.'],
    [exitCodes.usage, 'Usage error (not one argument, --patch with --json, an unknown run).'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading the database failed.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length !== 1) {
      throw new InvalidInputError(
        `runs show takes one RUN but was given ${plural(positionals.length, 'argument')}; ${helpHint}`,
      );
    }
    if (options.patch === true && options.json === true) {
      throw new InvalidInputError(`--patch and --json do not go together; ${helpHint}`);
    }
    const configuration = await readCliConfiguration(io);
    const run = await withDefaultGoosuke(configuration, (goosuke) => goosuke.runs.get(positionals[0]!));
    if (options.patch === true) io.stdout.write(run.patch ?? '');
    else if (options.json === true) io.stdout.write(`${JSON.stringify(run, null, 2)}\n`);
    else io.stdout.write(renderRun(run));
    return exitCodes.success;
  },
});
