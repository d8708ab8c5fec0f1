/**
 * Hashes passwords for users (scrypt or argon2id, implemented outside core). `hash`
 * returns a self-describing string (algorithm, parameters, salt); `verify` compares in
 * constant time and resolves to false (rather than rejecting) for a hash it cannot read, so
 * that a damaged stored hash fails a sign-in like a wrong password.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
  /**
   * Whether `hash` was made with other parameters (or another algorithm) than `hash` uses now.
   * Optional: when present, a successful sign-in re-hashes the password with the current
   * parameters, so that raising the cost reaches every user who signs in.
   */
  needsRehash?(hash: string): boolean;
}
