/**
 * @goosuke/scrypt: Goosuke's PasswordHasher on Node's built-in scrypt, with self-describing
 * hashes, constant-time verification and parameters that can be raised over time.
 */
export {
  createScryptPasswordHasher,
  type ScryptCost,
  type ScryptPasswordHasher,
  type ScryptPasswordHasherOptions,
} from './scrypt-password-hasher.ts';
