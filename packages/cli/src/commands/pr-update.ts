import { InvalidInputError } from '@goosuke/core';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { defineCommand } from './command.ts';
import { runPullRequestCommand } from './pr-support.ts';

/**
 * `goosuke pr update --task ID --run ID [--force] [--json]`: adds a later run of the task to its
 * open pull request and prints the URL.
 */
export const prUpdateCommand = defineCommand({
  name: 'update',
  summary: 'Add a later run of a task to its open pull request.',
  description: [
    "Puts the run's commit on top of the branch of the task's open pull request (a fast-forward",
    "push), merges the base branch in when it has moved, and rewrites only Goosuke's block of the",
    'description. The run must build on the branch (a follow-up run of the task does); --force',
    'replaces the branch with the run instead (a force push).',
    '',
    'GitHub is configured as for goosuke pr create.',
  ].join('\n'),
  arguments: [],
  options: {
    task: { type: 'string', valueName: 'ID', description: 'The task whose open pull request to update.' },
    run: { type: 'string', valueName: 'ID', description: 'The succeeded run of the task to add.' },
    force: {
      type: 'boolean',
      description: 'Replace the branch even when the run does not build on it (a force push).',
    },
    json: { type: 'boolean', description: 'Print the stored pull request as JSON instead of one line.' },
  },
  exitCodes: [
    [exitCodes.success, 'The pull request was updated.'],
    [
      exitCodeTable.conflict.exitCode,
      'Conflict: the run does not build on the branch, a merge conflict, or the pull request was closed.',
    ],
    [exitCodes.usage, 'Usage error (a flag missing, an unknown task or run, no open pull request).'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY, or GitHub not configured).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database, git or GitHub failed.'],
  ],

  run: ({ io, options, positionals }) =>
    runPullRequestCommand(
      { io, options, positionals, verb: 'update', action: 'updated' },
      async (goosuke, taskId, runId) => {
        const open = (await goosuke.pullRequests.list(taskId)).filter((each) => each.state === 'open').at(-1);
        if (open === undefined) {
          throw new InvalidInputError(
            `task ${taskId} has no open pull request; open one first with goosuke pr create --task ${taskId} --run ID`,
          );
        }
        return goosuke.pullRequests.update(
          taskId,
          { runId, ...(options.force === true ? { force: true } : {}) },
          open.id,
        );
      },
    ),
});
