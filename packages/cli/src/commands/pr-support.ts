import {
  CodeHostUnavailableError,
  GoosukeError,
  InvalidInputError,
  NotFoundError,
  type PullRequest,
  type Repo,
} from '@goosuke/core';
import type { CliIo } from '../cli-io.ts';
import { readCliConfiguration } from '../configuration.ts';
import { ConfigurationError } from '../configuration-error.ts';
import { createDefaultGoosuke, type DefaultGoosuke } from '../default-goosuke.ts';
import { exitCodes } from '../exit-codes.ts';

/** What to set for pull requests, named in every "no code host" message. */
export const gitHubConfigurationHint =
  'set GITHUB_TOKEN (or GOOSUKE_GITHUB_APP_ID, GOOSUKE_GITHUB_APP_PRIVATE_KEY and GOOSUKE_GITHUB_APP_INSTALLATION_ID), and GOOSUKE_GITHUB_API_URL for GitHub Enterprise Server';

/** A repository URL fit for a message: credentials in it (`https://user:token@…`) are masked. */
export function displayRepoUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * `error` as the CLI reports it: a CodeHostUnavailableError becomes a ConfigurationError (exit
 * code 3) naming the variables to set (no configured code host for the repository) or what is
 * wrong with the GitHub configuration; anything else is returned as it is.
 */
export function codeHostConfigurationError(error: unknown): unknown {
  if (!(error instanceof CodeHostUnavailableError)) return error;
  if (error.reason === 'none') {
    return new ConfigurationError(
      'unsupported',
      `repository ${displayRepoUrl(error.repoUrl)} is on no configured code host: pull requests need the repository's GitHub URL and GitHub credentials; ${gitHubConfigurationHint}`,
      { cause: error },
    );
  }
  const cause = GoosukeError.isInstance(error.cause) ? error.cause : error;
  return new ConfigurationError(cause.code, `GitHub configuration: ${cause.message}`, { cause: error });
}

/**
 * Rethrows what a pull request call threw, with an `unsupported` error (no code host, which the
 * service reports so) turned into a ConfigurationError naming the variables to set.
 */
export function rethrowPullRequestError(error: unknown): never {
  if (
    GoosukeError.isInstance(error) &&
    error.code === 'unsupported' &&
    !(error instanceof ConfigurationError)
  ) {
    throw new ConfigurationError('unsupported', `${error.message}; ${gitHubConfigurationHint}`, {
      cause: error,
    });
  }
  throw error;
}

/**
 * Opens Goosuke on the default composition with the merged environment (so GitHub is configured
 * from `GITHUB_TOKEN` and the `GOOSUKE_GITHUB_*` variables), runs `use`, and closes it.
 */
export async function withPullRequestGoosuke<Result>(
  io: Pick<CliIo, 'cwd' | 'env'>,
  use: (goosuke: DefaultGoosuke) => Promise<Result>,
): Promise<Result> {
  const configuration = await readCliConfiguration(io);
  const goosuke = await createDefaultGoosuke(configuration.config, { env: configuration.env });
  try {
    return await use(goosuke);
  } finally {
    await goosuke.close();
  }
}

/** One line for a pull request Goosuke opened or updated: `Opened pull request #3: URL`. */
export function pullRequestLine(action: 'opened' | 'updated', pullRequest: PullRequest): string {
  const verb = action === 'opened' ? 'Opened' : 'Updated';
  return `${verb} pull request #${pullRequest.number}: ${pullRequest.url}\n`;
}

/**
 * The task's repository, after checking that the task exists and that `runId` is one of its runs
 * (NotFoundError, exit code 2, otherwise) and that the repository is on a configured code host
 * (ConfigurationError, exit code 3, otherwise), so each mistake is reported as what it is.
 */
export async function pullRequestTarget(
  goosuke: DefaultGoosuke,
  taskId: string,
  runId: string,
): Promise<Repo> {
  const task = await goosuke.tasks.get(taskId);
  const run = await goosuke.runs.get(runId).catch((error: unknown) => {
    throw error instanceof NotFoundError ? new NotFoundError('run', runId) : error;
  });
  if (run.taskId !== task.id) {
    throw new InvalidInputError(`run ${runId} belongs to task ${run.taskId}, not to task ${task.id}`);
  }
  if (task.repoId === null) {
    throw new InvalidInputError(`task ${taskId} has no repository: only repository tasks make pull requests`);
  }
  const repo = await goosuke.repos.get(task.repoId);
  await goosuke.pipeline.codeHostOf(repo.url).catch((error: unknown) => {
    throw codeHostConfigurationError(error);
  });
  return repo;
}

/**
 * What `goosuke pr create` and `goosuke pr update` share: no arguments, `--task` and `--run`
 * required, the task and run checked (`pullRequestTarget`), `work` run on the default
 * composition with its errors mapped (`rethrowPullRequestError`), the result printed as one line
 * or, with `--json`, as the stored pull request.
 */
export async function runPullRequestCommand(
  context: {
    io: CliIo;
    options: { task?: string; run?: string; json?: boolean };
    positionals: string[];
    verb: 'create' | 'update';
    action: 'opened' | 'updated';
  },
  work: (goosuke: DefaultGoosuke, taskId: string, runId: string) => Promise<PullRequest>,
): Promise<number> {
  const { io, options, positionals, verb } = context;
  const helpHint = `see goosuke pr ${verb} --help`;
  if (positionals.length > 0) throw new InvalidInputError(`pr ${verb} takes no arguments; ${helpHint}`);
  const taskId = options.task;
  const runId = options.run;
  if (taskId === undefined) throw new InvalidInputError(`pr ${verb} needs --task ID; ${helpHint}`);
  if (runId === undefined) throw new InvalidInputError(`pr ${verb} needs --run ID; ${helpHint}`);
  const pullRequest = await withPullRequestGoosuke(io, async (goosuke) => {
    await pullRequestTarget(goosuke, taskId, runId);
    return work(goosuke, taskId, runId).catch(rethrowPullRequestError);
  });
  io.stdout.write(
    options.json === true
      ? `${JSON.stringify(pullRequest, null, 2)}\n`
      : pullRequestLine(context.action, pullRequest),
  );
  return exitCodes.success;
}
