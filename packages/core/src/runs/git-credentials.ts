import { GoosukeError } from '../errors/index.ts';

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
