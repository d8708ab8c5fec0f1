import { InvalidInputError } from '@goosuke/core';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { plural } from '../plural.ts';
import { defineCommand } from './command.ts';

const helpHint = 'see goosuke tasks choose --help';

/**
 * `goosuke tasks choose TASK RUN [--json]`: records RUN as the run TASK continues from, so that
 * the task's next message builds on it (`goosuke.tasks.choose`).
 */
export const tasksChooseCommand = defineCommand({
  name: 'choose',
  summary: 'Choose the run a task continues from.',
  description: [
    "Records RUN as TASK's chosen run: the task's next message (without --from-run, and while the",
    'task has no open pull request) starts its runs from that run, where they would otherwise start',
    "from the task's base branch. For a repository task the run must have succeeded with a commit;",
    'for a text task, succeeded (its answer is what the next runs see). Choosing is not a pull',
    'request: goosuke pr create opens one (and chooses its run too).',
    '',
    'The task and run ids are in the JSON document of goosuke run --json.',
  ].join('\n'),
  arguments: [
    { name: 'TASK', description: 'The task id.' },
    { name: 'RUN', description: 'The id of one of its runs.' },
  ],
  options: {
    json: { type: 'boolean', description: 'Print the task as JSON instead of one line.' },
  },
  exitCodes: [
    [exitCodes.success, 'Chosen.'],
    [
      exitCodeTable.conflict.exitCode,
      'Conflict: the run has nothing to continue from (it did not succeed, or made no commit).',
    ],
    [exitCodes.usage, 'Usage error (not two arguments, an unknown task, a run of another task).'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database failed.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length !== 2) {
      throw new InvalidInputError(
        `tasks choose takes TASK and RUN but was given ${plural(positionals.length, 'argument')}; ${helpHint}`,
      );
    }
    const [taskId, runId] = positionals as [string, string];
    const configuration = await readCliConfiguration(io);
    const task = await withDefaultGoosuke(configuration, (goosuke) => goosuke.tasks.choose(taskId, runId));
    io.stdout.write(
      options.json === true
        ? `${JSON.stringify(task, null, 2)}\n`
        : `Task ${task.id} continues from run ${runId}.\n`,
    );
    return exitCodes.success;
  },
});
