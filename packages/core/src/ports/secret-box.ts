/**
 * Encrypts secrets at rest (provider keys, extension env values, GitHub App keys).
 * An envelope is a self-describing string that names the key that sealed it, so keys can
 * rotate. A wrong or missing key is an error, never a silent fallback.
 */
export interface SecretBox {
  /**
   * Encrypts `plaintext`. `context` (e.g. `model-profile:<id>`) is authenticated but not
   * stored: the envelope opens only with the same context, so it cannot be moved to another row.
   */
  seal(plaintext: string, context?: string): Promise<string>;
  /** @throws GoosukeError `secret_key` when no configured key opens the envelope, the context differs, or it was tampered with. */
  open(envelope: string, context?: string): Promise<string>;
}
