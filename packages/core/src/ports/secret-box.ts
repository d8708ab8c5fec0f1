/**
 * Encrypts secrets at rest (provider keys, extension env values, GitHub App keys).
 * An envelope is a self-describing string that names the key that sealed it, so keys can
 * rotate. A wrong or missing key is an error, never a silent fallback.
 */
export interface SecretBox {
  /** The id of the key new envelopes are sealed with. */
  readonly keyId: string;
  seal(plaintext: string): Promise<string>;
  /** @throws GoosukeError `secret_key` when no configured key opens the envelope or it was tampered with. */
  open(envelope: string): Promise<string>;
}
