import { maskCredentials } from '../errors/code-host-unavailable-error.ts';
import { CodeHostUnavailableError, GoosukeError } from '../errors/index.ts';
import type { CodeHost, CodeHostResolver, HostedPullRequest } from '../ports/code-host.ts';
import type { GitAuth, GitBackend } from '../ports/git-backend.ts';

/** The code host a repository's pull requests go to, and the repository's `owner/name` there. */
export interface RepositoryCodeHost {
  host: CodeHost;
  repository: string;
}

/** Whether a code host's error says its configuration is incomplete or wrong (the resolver's contract). */
const isConfigurationError = (error: unknown): error is GoosukeError =>
  GoosukeError.isInstance(error) &&
  (error.code === 'invalid_input' || error.code === 'unsupported') &&
  !(error instanceof CodeHostUnavailableError);

const configurationError = (repoUrl: string, error: GoosukeError): CodeHostUnavailableError =>
  new CodeHostUnavailableError(repoUrl, 'configuration', `code host configuration: ${error.message}`, {
    cause: error,
  });

/**
 * The code host of `repoUrl`, or null when it is on none (or none is configured). An incomplete
 * configuration is a CodeHostUnavailableError (`configuration`), the resolver's error its cause.
 */
export async function findCodeHost(
  codeHosts: CodeHostResolver | undefined,
  repoUrl: string,
): Promise<RepositoryCodeHost | null> {
  if (codeHosts === undefined) return null;
  try {
    return await codeHosts.resolve(repoUrl);
  } catch (error) {
    throw isConfigurationError(error) ? configurationError(repoUrl, error) : error;
  }
}

/**
 * The code host of `repoUrl`, for a pull request: CodeHostUnavailableError (`none`) when it is on
 * none, (`configuration`) when the configuration is incomplete.
 */
export async function requireCodeHost(
  codeHosts: CodeHostResolver | undefined,
  repoUrl: string,
): Promise<RepositoryCodeHost> {
  const found = await findCodeHost(codeHosts, repoUrl);
  if (found === null) {
    throw new CodeHostUnavailableError(
      repoUrl,
      'none',
      `repository ${maskCredentials(repoUrl)} is on no configured code host: pull requests need the repository's URL on the code host (e.g. GitHub) and its credentials`,
    );
  }
  return found;
}

/**
 * Credentials for git to `repoUrl` from `gitAuth` (the runtime's, as runs clone with), with an
 * incomplete code host configuration reported as a CodeHostUnavailableError (`configuration`).
 */
export async function gitAuthFor(
  gitAuth: ((repoUrl: string, options?: { fresh?: boolean }) => Promise<GitAuth | undefined>) | undefined,
  repoUrl: string,
  fresh: boolean,
): Promise<GitAuth | undefined> {
  if (gitAuth === undefined) return undefined;
  try {
    return await gitAuth(repoUrl, fresh ? { fresh } : undefined);
  } catch (error) {
    throw isConfigurationError(error) ? configurationError(repoUrl, error) : error;
  }
}

/** Where the pipeline's repository comes from and where its pull request goes. */
export interface PipelineTarget {
  /** The URL (or absolute path) Goosuke registers and clones. */
  url: string;
  /** True for a local path: cloned without credentials. */
  local: boolean;
  /** The local checkout whose HEAD is the default base; null for a URL. */
  checkout: string | null;
  /** For a pull request: the code host and the open pull request on the branch asked for. */
  pullRequest: (RepositoryCodeHost & { adopted: HostedPullRequest | null }) | null;
}

/**
 * Locates the repository and, for a pull request, its code host, before anything is stored or
 * cloned. A local checkout (an absolute path) whose `origin` is on a configured code host is
 * replaced by that origin when a pull request is asked for (`onOrigin` is told), its HEAD still
 * the default base. CodeHostUnavailableError when a pull request is asked for and the repository
 * is on no configured code host.
 */
export async function locatePipelineTarget(
  context: { git: GitBackend; codeHosts: CodeHostResolver | undefined; signal?: AbortSignal },
  request: {
    repo: string;
    pullRequest: { branch?: string | undefined } | null;
    onOrigin: (origin: { checkout: string; url: string }) => Promise<void>;
  },
): Promise<PipelineTarget> {
  const local = request.repo.startsWith('/');
  let target: PipelineTarget = {
    url: request.repo,
    local,
    checkout: local ? request.repo : null,
    pullRequest: null,
  };
  if (request.pullRequest === null) return target;
  if (local) {
    const origin = await context.git.remoteUrl({ dir: request.repo });
    if (origin !== null && (await findCodeHost(context.codeHosts, origin).catch(() => null)) !== null) {
      target = { ...target, url: origin, local: false };
      await request.onOrigin({ checkout: request.repo, url: origin });
    }
  }
  const { host, repository } = await requireCodeHost(context.codeHosts, target.url);
  const branch = request.pullRequest.branch;
  const adopted =
    branch === undefined
      ? null
      : await host.findPullRequest({
          repository,
          head: branch,
          state: 'open',
          ...(context.signal === undefined ? {} : { signal: context.signal }),
        });
  return { ...target, pullRequest: { host, repository, adopted } };
}
