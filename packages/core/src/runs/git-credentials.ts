import { GoosukeError } from '../errors/index.ts';
import type { CodeHostResolver } from '../ports/code-host.ts';
import type { GitAuth } from '../ports/git-backend.ts';

/**
 * Credentials for git to `repoUrl` from the code host it lives on (undefined when it is on none):
 * what runs clone with, and what tools that clone before runs use too.
 */
export function codeHostGitAuth(
  codeHosts: CodeHostResolver,
): (repoUrl: string, options?: { fresh?: boolean }) => Promise<GitAuth | undefined> {
  return async (repoUrl, options) => {
    const found = await codeHosts.resolve(repoUrl);
    return found === null ? undefined : found.host.getGitAuth({ repository: found.repository, ...options });
  };
}

/**
 * Runs a git operation with credentials from `credentials`, and once more with fresh ones when
 * the server refused them (`unauthorized`: a token revoked or expired early). Without
 * credentials (undefined) there is nothing to renew, and the failure stands.
 */
export async function withFreshCredentialsOnce<Auth, T>(
  credentials: (fresh: boolean) => Promise<Auth | undefined> | undefined,
  operation: (auth: Auth | undefined) => Promise<T>,
): Promise<T> {
  const first = await credentials(false);
  try {
    return await operation(first);
  } catch (error) {
    if (first === undefined || !GoosukeError.isInstance(error) || error.code !== 'unauthorized') throw error;
    return operation(await credentials(true));
  }
}
