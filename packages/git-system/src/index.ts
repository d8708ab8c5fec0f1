/**
 * @goosuke/git-system: Goosuke's GitBackend with the system git (>= 2.30) for clones, fetches
 * and pushes, on `@goosuke/git-isomorphic`'s working copies.
 */

export {
  type DetectSystemGitOptions,
  detectSystemGit,
  minimumGitVersion,
  type SystemGit,
} from './detect-system-git.ts';
export { createSystemGitBackend, type SystemGitBackendOptions } from './system-git-backend.ts';
export { createSystemGitTransport, type SystemGitTransportOptions } from './system-git-transport.ts';
