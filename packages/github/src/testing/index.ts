/**
 * @goosuke/github/testing: a loopback fake of the GitHub REST API, for this package's tests and
 * for end-to-end tests elsewhere.
 */

export {
  type FakeGitHubEnterprise,
  type FakeGitHubEnterpriseOptions,
  startFakeGitHubEnterprise,
} from './fake-github-enterprise.ts';
export {
  type FakeGitHubPullRequest,
  type FakeGitHubRepository,
  type FakeGitHubRequest,
  type FakeGitHubScriptedResponse,
  type FakeGitHubServer,
  type FakeGitHubServerOptions,
  startFakeGitHubServer,
} from './fake-github-server.ts';
