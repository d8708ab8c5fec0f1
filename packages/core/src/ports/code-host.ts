import type { HostedRepository } from '../domain/hosted-repository.ts';

export type { HostedRepository };

/** A pull request as the code host reports it. */
export interface HostedPullRequest {
  number: number;
  /** The pull request's page for people (`html_url` on GitHub). */
  url: string;
  title: string;
  body: string;
  /** The head branch name (in the same repository). */
  head: string;
  /** The base branch name. */
  base: string;
  /** `merged` for a closed pull request that was merged. */
  state: 'open' | 'closed' | 'merged';
  draft: boolean;
}

/** A pull request template found in a repository. */
export interface PullRequestTemplate {
  /** Its path in the repository, e.g. `.github/pull_request_template.md`. */
  path: string;
  content: string;
}

/**
 * Where pull requests live. Implementations: `@goosuke/github` (octokit; App and token auth).
 * `repository` is `owner/name`.
 *
 * Contract (held by `describeCodeHostConformance` in `@goosuke/core/testing`):
 * - Lists return every page.
 * - Errors are GoosukeErrors without any credential in them: `not_found` for a missing
 *   repository or pull request where the method does not return null, `unauthorized` when the
 *   host rejects the credentials, `forbidden` when they lack a permission, `invalid_input` when
 *   the host refuses the request's content (GitHub's 422, with its reason), `conflict` when a pull
 *   request for the same head already exists, `storage` (retryable) for network failures and
 *   5xx after the implementation's own retries. Rate limits are waited out (the host's
 *   `retry-after` or reset time) up to an implementation-defined bound, then reported retryable.
 * - `signal` aborts the call with a `canceled` GoosukeError.
 */
export interface CodeHost {
  /** Repositories the credentials can reach (an App installation's, or a token user's). */
  listRepositories(options?: { signal?: AbortSignal }): Promise<HostedRepository[]>;
  /** Branch names of `repository`. */
  listBranches(options: { repository: string; signal?: AbortSignal }): Promise<string[]>;
  /** Opens a pull request from `head` (a branch of `repository`) into `base`. */
  createPullRequest(options: {
    repository: string;
    head: string;
    base: string;
    title: string;
    body: string;
    draft?: boolean;
    signal?: AbortSignal;
  }): Promise<HostedPullRequest>;
  /** Changes a pull request's title, body or state; fields left out stay as they are. */
  updatePullRequest(options: {
    repository: string;
    number: number;
    title?: string;
    body?: string;
    state?: 'open' | 'closed';
    signal?: AbortSignal;
  }): Promise<HostedPullRequest>;
  /** Null when the pull request does not exist. */
  getPullRequest(options: {
    repository: string;
    number: number;
    signal?: AbortSignal;
  }): Promise<HostedPullRequest | null>;
  /**
   * The newest pull request whose head is `head` (a branch of `repository` itself), open ones
   * first; with `state: 'open'` only an open one. Null when there is none. This is how a later
   * pipeline finds the pull request of a stable branch name.
   */
  findPullRequest(options: {
    repository: string;
    head: string;
    state?: 'open' | 'all';
    signal?: AbortSignal;
  }): Promise<HostedPullRequest | null>;
  /**
   * The repository's pull request templates at `ref` (default: its default branch), in GitHub's
   * order of precedence: `.github/pull_request_template.md`, `pull_request_template.md` (root),
   * `docs/pull_request_template.md` (any letter case, `.md` or `.txt`), then the files of a
   * `.github/PULL_REQUEST_TEMPLATE/` folder sorted by name. Empty when there is none.
   */
  getPullRequestTemplates(options: {
    repository: string;
    ref?: string;
    signal?: AbortSignal;
  }): Promise<PullRequestTemplate[]>;
  /**
   * Credentials for git over HTTPS to `repository`, for one push or fetch (an App's
   * installation token, or the configured token); never stored by callers. With `fresh`, newly
   * obtained ones (an App's installation token renewed even when the cached one has not expired):
   * for one retry after the git server refused the previous credentials.
   */
  getGitAuth(options: {
    repository: string;
    signal?: AbortSignal;
    fresh?: boolean;
  }): Promise<{ username: string; token: string }>;
}

/**
 * Finds the code host of a repository. The composition root builds it from the deployment's
 * configuration (e.g. `GITHUB_TOKEN`, a GitHub App, or settings stored through the API).
 */
export interface CodeHostResolver {
  /**
   * The code host `repoUrl` lives on and the repository's `owner/name` there; null when the URL
   * is on no configured host (a local path, another server). Throws UnsupportedError or
   * InvalidInputError when a host is meant but its configuration is incomplete.
   */
  resolve(repoUrl: string): Promise<{ host: CodeHost; repository: string } | null>;
  /**
   * The deployment's code host, for listing what it offers (repositories, branches), and where
   * its configuration came from; null when none is configured.
   */
  primary(): Promise<{ host: CodeHost; source: 'environment' | 'settings' } | null>;
}
