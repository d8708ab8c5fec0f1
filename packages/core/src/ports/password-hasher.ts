/**
 * Hashes passwords for users (scrypt or argon2id, implemented outside core). `hash`
 * returns a self-describing string (algorithm, parameters, salt); `verify` compares in
 * constant time.
 */
export interface PasswordHasher {
  hash(password: string): Promise<string>;
  verify(password: string, hash: string): Promise<boolean>;
}
