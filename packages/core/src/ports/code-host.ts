/** A repository as the code host lists it. */
export interface HostedRepository {
  fullName: string;
  cloneUrl: string;
  defaultBranch: string;
  private: boolean;
}

/** A pull request as the code host reports it. */
export interface HostedPullRequest {
  number: number;
  url: string;
  title: string;
  body: string;
  head: string;
  base: string;
  state: 'open' | 'closed' | 'merged';
}

/**
 * Where pull requests live. Implementations: `@goosuke/github` (octokit; App and token auth).
 * `repository` is `owner/name`.
 */
export interface CodeHost {
  listRepositories(options?: { signal?: AbortSignal }): Promise<HostedRepository[]>;
  listBranches(options: { repository: string; signal?: AbortSignal }): Promise<string[]>;
  createPullRequest(options: {
    repository: string;
    head: string;
    base: string;
    title: string;
    body: string;
    draft?: boolean;
    signal?: AbortSignal;
  }): Promise<HostedPullRequest>;
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
  /** A token for git over HTTPS to `repository`, for the GitBackend. */
  getGitAuth?(options: { repository: string }): Promise<{ username: string; token: string }>;
}
