import { type CodeHost, GoosukeError, type PullRequest } from '@goosuke/core';
import type { CliIo } from '../cli-io.ts';
import { readCliConfiguration } from '../configuration.ts';
import { ConfigurationError } from '../configuration-error.ts';
import { createDefaultGoosuke, type DefaultGoosuke } from '../default-goosuke.ts';

/** What to set for pull requests, named in every "no code host" message. */
export const gitHubConfigurationHint =
  'set GITHUB_TOKEN (or GOOSUKE_GITHUB_APP_ID, GOOSUKE_GITHUB_APP_PRIVATE_KEY and GOOSUKE_GITHUB_APP_INSTALLATION_ID), and GOOSUKE_GITHUB_API_URL for GitHub Enterprise Server';

/** A repository URL fit for a message: credentials in it (`https://user:token@…`) are masked. */
export function displayRepoUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}

/**
 * The code host of `repoUrl` and the repository's `owner/name` there. A ConfigurationError (exit
 * code 3) naming the variables to set when the URL is on no configured host (GitHub not
 * configured, or a local path / another server), or when the GitHub configuration is incomplete.
 */
export async function requireCodeHost(
  goosuke: Pick<DefaultGoosuke, 'codeHosts'>,
  repoUrl: string,
): Promise<{ host: CodeHost; repository: string }> {
  let found: { host: CodeHost; repository: string } | null;
  try {
    found = await goosuke.codeHosts.resolve(repoUrl);
  } catch (error) {
    if (!GoosukeError.isInstance(error)) throw error;
    throw new ConfigurationError(error.code, `GitHub configuration: ${error.message}`, { cause: error });
  }
  if (found === null) {
    throw new ConfigurationError(
      'unsupported',
      `repository ${displayRepoUrl(repoUrl)} is on no configured code host: pull requests need the repository's GitHub URL and GitHub credentials; ${gitHubConfigurationHint}`,
    );
  }
  return found;
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
