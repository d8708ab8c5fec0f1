import { GoosukeError, type GoosukeErrorCode, type GoosukeErrorOptions } from '@goosuke/core';

/**
 * An error in Goosuke's configuration (environment variables or `.env`), not in the command line:
 * the CLI exits with the table's `configuration` code (3) for it whatever its `code`, which stays
 * the GoosukeError code of the underlying problem (e.g. `unsupported` for a database URL of another
 * kind). Its message names the variable to set and never contains a secret.
 */
export class ConfigurationError extends GoosukeError {
  constructor(code: GoosukeErrorCode, message: string, options: GoosukeErrorOptions = {}) {
    super(code, message, options);
    this.name = 'ConfigurationError';
  }
}
