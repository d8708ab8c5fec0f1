/**
 * Encrypts secrets at rest (provider keys, extension env values, GitHub App keys).
 * An envelope is a self-describing string that names the key that sealed it, so keys can
 * rotate. A wrong or missing key is an error, never a silent fallback.
 */
export interface SecretBox {
  /** The id of the key new envelopes are sealed with. Not secret; derived one-way from the key. */
  readonly keyId: string;
  /**
   * Encrypts `plaintext`. `context` (e.g. `model-profile:<id>`) is authenticated but not
   * stored: the envelope opens only with the same context, so it cannot be moved to another row.
   */
  seal(plaintext: string, context?: string): Promise<string>;
  /** @throws GoosukeError `secret_key` when no configured key opens the envelope, the context differs, or it was tampered with. */
  open(envelope: string, context?: string): Promise<string>;
  /** Whether `envelope` was sealed with an older key and should be sealed again with the current one. */
  needsRotation(envelope: string): boolean;
}
