/**
 * @goosuke/github: Goosuke's CodeHost for GitHub and GitHub Enterprise Server, on octokit, by
 * GitHub App installation or token.
 */
export { createGitHubCodeHost } from './github-code-host.ts';
export {
  type GitHubAppCredentials,
  type GitHubCodeHostOptions,
  readGitHubConfig,
} from './github-code-host-options.ts';
export {
  createGitHubCodeHostResolver,
  type GitHubCodeHostResolverOptions,
} from './github-code-host-resolver.ts';
export { GitHubRateLimitError } from './github-errors.ts';
