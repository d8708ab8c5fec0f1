/**
 * @goosuke/scrypt: Goosuke's PasswordHasher on Node's built-in scrypt, with self-describing
 * hashes, constant-time verification and parameters that can be raised over time.
 */
export {
  createScryptPasswordHasher,
  defaultScryptCost,
  type ScryptCost,
  type ScryptPasswordHasher,
  type ScryptPasswordHasherOptions,
} from './scrypt-password-hasher.ts';
