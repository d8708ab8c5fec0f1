import type { GoosukeErrorOptions } from './goosuke-error.ts';
import { UnsupportedError } from './subclasses.ts';

/** Why a repository has no usable code host: see {@link CodeHostUnavailableError}. */
export type CodeHostUnavailableReason = 'none' | 'configuration';

/**
 * Something needs the code host of a repository (a pull request, a clone with the host's
 * credentials) and there is none to use: `reason` is `none` when the URL is on no configured code
 * host (a local path, another server, GitHub not configured), `configuration` when a host is meant
 * but its configuration is incomplete or wrong (the resolver's own error is the `cause`, and its
 * message is part of this one). `repoUrl` is the URL with any credentials masked. Code
 * `unsupported`; adapters may tell the user which settings to set (the CLI exits 3).
 */
export class CodeHostUnavailableError extends UnsupportedError {
  readonly repoUrl: string;
  readonly reason: CodeHostUnavailableReason;

  constructor(
    repoUrl: string,
    reason: CodeHostUnavailableReason,
    message: string,
    options: GoosukeErrorOptions = {},
  ) {
    super(message, options);
    this.name = 'CodeHostUnavailableError';
    this.repoUrl = maskCredentials(repoUrl);
    this.reason = reason;
  }
}

/** A URL for messages: the credentials part (`https://user:token@…`) masked. */
export function maskCredentials(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//***@');
}
