import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { defineCommand } from './command.ts';
import { runPullRequestCommand } from './pr-support.ts';

/**
 * `goosuke pr create --task ID --run ID [--title T] [--draft] [--branch NAME] [--json]`: opens the
 * task's pull request from one of its runs and prints its number and URL.
 */
export const prCreateCommand = defineCommand({
  name: 'create',
  summary: "Open a task's pull request from one of its runs.",
  description: [
    "Pushes the run's commit to the task's branch (goosuke/<title>-<id>, or --branch NAME) and",
    "opens a pull request against the task's base branch, its description the repository's pull",
    'request template plus a block Goosuke owns (the conversation, the runs compared, the choice).',
    'An open pull request already on that branch is adopted and only its Goosuke block refreshed.',
    'A task has one pull request: to add a later run to it, use goosuke pr update.',
    '',
    'The task and run ids are in the JSON document of goosuke run --json. GitHub is configured by',
    'GITHUB_TOKEN, or a GitHub App (GOOSUKE_GITHUB_APP_ID, GOOSUKE_GITHUB_APP_PRIVATE_KEY,',
    'GOOSUKE_GITHUB_APP_INSTALLATION_ID); GOOSUKE_GITHUB_API_URL points at GitHub Enterprise Server.',
  ].join('\n'),
  arguments: [],
  options: {
    task: { type: 'string', valueName: 'ID', description: 'The task.' },
    run: { type: 'string', valueName: 'ID', description: 'The succeeded run of the task to propose.' },
    title: {
      type: 'string',
      valueName: 'TEXT',
      description: "The pull request's title (default: the subject of the run's commit message).",
    },
    draft: { type: 'boolean', description: 'Open it as a draft.' },
    branch: {
      type: 'string',
      valueName: 'NAME',
      description: 'Push to this branch instead of goosuke/<title>-<id>.',
    },
    json: { type: 'boolean', description: 'Print the stored pull request as JSON instead of one line.' },
  },
  exitCodes: [
    [exitCodes.success, 'The pull request was opened (or an open one on the branch adopted).'],
    [
      exitCodeTable.conflict.exitCode,
      'Conflict: the task already has a pull request, or the run has no change to propose.',
    ],
    [exitCodes.usage, 'Usage error (a flag missing or wrong, an unknown task or run).'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY, or GitHub not configured).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database, git or GitHub failed.'],
  ],

  run: ({ io, options, positionals }) =>
    runPullRequestCommand(
      { io, options, positionals, verb: 'create', action: 'opened' },
      (goosuke, taskId, runId) =>
        goosuke.pullRequests.create(taskId, {
          runId,
          ...(options.title === undefined ? {} : { title: options.title }),
          ...(options.draft === undefined ? {} : { draft: options.draft }),
          ...(options.branch === undefined ? {} : { branch: options.branch }),
        }),
    ),
});
