import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';
import { InvalidInputError, type PasswordHasher } from '@goosuke/core';

/** scrypt's cost parameters: CPU/memory cost `N` (a power of two), block size `r`, parallelism `p`. */
export interface ScryptCost {
  N: number;
  r: number;
  p: number;
}

/** Options of {@link createScryptPasswordHasher}. */
export interface ScryptPasswordHasherOptions {
  /**
   * The cost new hashes are made with; default {@link defaultScryptCost} (OWASP's N=2^17, r=8,
   * p=1: 128 MiB and roughly a tenth of a second per hash). Lower it only in tests.
   */
  cost?: ScryptCost;
  /** Bytes of derived key; default 32, from 16 to 64. */
  keyLength?: number;
}

/** A PasswordHasher on scrypt that can tell hashes made with other parameters. */
export interface ScryptPasswordHasher extends PasswordHasher {
  /** The cost new hashes are made with. */
  readonly cost: Readonly<ScryptCost>;
  /**
   * True when `hash` was not made with the current cost and key length (or is not a scrypt
   * hash of this format at all): re-hash the password at the next successful sign-in.
   */
  needsRehash(hash: string): boolean;
}

/** OWASP's recommended minimum for scrypt (Password Storage Cheat Sheet): N=2^17, r=8, p=1. */
export const defaultScryptCost: Readonly<ScryptCost> = Object.freeze({ N: 2 ** 17, r: 8, p: 1 });

const saltLength = 16;
const defaultKeyLength = 32;
// Refuse to verify hashes asking for more than this: a damaged or planted hash must not make
// a sign-in allocate gigabytes.
const maximumMemoryBytes = 1024 * 1024 * 1024;
const hashPattern = /^scrypt\$N=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/;

interface ParsedHash {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

/**
 * The memory scrypt needs for `cost` (OpenSSL's check: 128·r·(N+2) for V plus 128·r·p for B),
 * with 1 MiB of headroom. Node refuses anything over `maxmem`, which defaults to 32 MiB: too
 * little for OWASP's N=2^17, r=8 (128 MiB).
 */
function memoryFor(cost: ScryptCost): number {
  return 128 * cost.r * (cost.N + 2) + 128 * cost.r * cost.p + 1024 * 1024;
}

function isPowerOfTwo(value: number): boolean {
  return Number.isSafeInteger(value) && value > 1 && (value & (value - 1)) === 0;
}

function costProblem(cost: ScryptCost): string | null {
  if (!isPowerOfTwo(cost.N)) return 'N must be a power of two above 1';
  if (!Number.isSafeInteger(cost.r) || cost.r < 1) return 'r must be a positive integer';
  if (!Number.isSafeInteger(cost.p) || cost.p < 1) return 'p must be a positive integer';
  if (memoryFor(cost) > maximumMemoryBytes) return 'N·r asks for more than 1 GiB of memory';
  return null;
}

function encode(bytes: Buffer): string {
  return bytes.toString('base64').replace(/=+$/, '');
}

function parse(hash: string): ParsedHash | null {
  const match = typeof hash === 'string' ? hashPattern.exec(hash) : null;
  if (match === null) return null;
  const cost = { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) };
  if (costProblem(cost) !== null) return null;
  const salt = Buffer.from(match[4]!, 'base64');
  const key = Buffer.from(match[5]!, 'base64');
  if (salt.length < 8 || key.length < 16 || key.length > 64) return null;
  return { cost, salt, key };
}

function derive(password: string, salt: Buffer, keyLength: number, cost: ScryptCost): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // NFC, so that the same password typed on systems that compose accents differently matches.
    scrypt(
      password.normalize('NFC'),
      salt,
      keyLength,
      { N: cost.N, r: cost.r, p: cost.p, maxmem: memoryFor(cost) },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/**
 * A PasswordHasher on Node's scrypt (async, off the main thread in libuv's pool). Hashes are
 * self-describing: `scrypt$N=131072,r=8,p=1$<salt>$<key>` with a random 16-byte salt and the
 * key in unpadded base64. `verify` re-derives with the parameters stored in the hash (so
 * hashes made before a cost change still verify), compares with `timingSafeEqual`, and
 * resolves to false for a hash it cannot read. Passwords are NFC-normalised first.
 *
 * @throws InvalidInputError for a cost that is not valid scrypt (N not a power of two, r or p
 *   not positive) or needs more than 1 GiB, or a key length outside 16..64.
 */
export function createScryptPasswordHasher(options: ScryptPasswordHasherOptions = {}): ScryptPasswordHasher {
  const cost: ScryptCost = { ...(options.cost ?? defaultScryptCost) };
  const problem = costProblem(cost);
  if (problem !== null) {
    throw new InvalidInputError(`invalid scrypt cost: ${problem}`, [{ path: ['cost'], message: problem }]);
  }
  const keyLength = options.keyLength ?? defaultKeyLength;
  if (!Number.isSafeInteger(keyLength) || keyLength < 16 || keyLength > 64) {
    throw new InvalidInputError('invalid scrypt keyLength: use 16 to 64 bytes', [
      { path: ['keyLength'], message: 'an integer from 16 to 64' },
    ]);
  }
  const prefix = `scrypt$N=${cost.N},r=${cost.r},p=${cost.p}$`;

  return {
    cost: Object.freeze({ ...cost }),

    async hash(password) {
      const salt = randomBytes(saltLength);
      const key = await derive(password, salt, keyLength, cost);
      return `${prefix}${encode(salt)}$${encode(key)}`;
    },

    async verify(password, hash) {
      const parsed = parse(hash);
      if (parsed === null) return false;
      const key = await derive(password, parsed.salt, parsed.key.length, parsed.cost);
      return timingSafeEqual(key, parsed.key);
    },

    needsRehash(hash) {
      const parsed = parse(hash);
      return (
        parsed === null ||
        parsed.cost.N !== cost.N ||
        parsed.cost.r !== cost.r ||
        parsed.cost.p !== cost.p ||
        parsed.key.length !== keyLength
      );
    },
  };
}
