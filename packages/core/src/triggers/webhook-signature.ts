import { InvalidInputError, UnauthorizedError } from '../errors/index.ts';
import { toHex } from '../secrets/base64url.ts';

/**
 * A case-insensitive header lookup: called with lower-case names (`x-goosuke-timestamp`,
 * `x-goosuke-signature`), it returns that header's value, or `null`/`undefined` when absent.
 * Fetch `Headers`: `(name) => request.headers.get(name)`. Node's `IncomingMessage` (lower-cased
 * keys): `(name) => { const v = req.headers[name]; return typeof v === 'string' ? v : undefined; }`.
 * A function rather than a record, so that the caller's own case rules apply and no copy is made.
 */
export type WebhookHeaderLookup = (name: string) => string | null | undefined;

/** The headers {@link signWebhook} produces, named in lower case as HTTP/2 requires. */
export interface WebhookSignatureHeaders {
  /** Unix time of signing, in whole seconds. */
  'x-goosuke-timestamp': string;
  /** `sha256=` and the lower-case hex HMAC-SHA256 of `"<timestamp>.<raw body>"`. */
  'x-goosuke-signature': string;
}

/** What {@link verifyWebhookSignature} vouches for. */
export interface VerifiedWebhook {
  /** The signature header exactly as received (`sha256=<64 lower-case hex>`); the replay key. */
  signature: string;
  /** The signed timestamp, in Unix seconds. */
  timestamp: number;
}

/** Default tolerance of {@link verifyWebhookSignature}: five minutes either side of `now`. */
export const defaultWebhookToleranceSeconds = 300;

const encoder = new TextEncoder();
// Lower case only: the replay guard keys on the header text, so accepting upper-case hex would let
// one signature be replayed under a second spelling. Senders (ours, GitHub) emit lower case.
const signaturePattern = /^sha256=([0-9a-f]{64})$/;
// Unix seconds as plain decimal digits: no sign, exponent, fraction, spaces or leading zeros, so a
// timestamp has one spelling. Twelve digits reach the year 33658.
const timestampPattern = /^(?:0|[1-9][0-9]{0,11})$/;

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

function refuse(reason: string): UnauthorizedError {
  // The fixed message says nothing; the reason (never the secret or the expected MAC) is for logs.
  return new UnauthorizedError('signature', { cause: new Error(`webhook refused: ${reason}`) });
}

function assertSecret(secret: unknown): asserts secret is string {
  // A configuration fault, not the sender's: say so plainly (Web Crypto also refuses empty HMAC keys).
  if (typeof secret !== 'string' || secret.length === 0) {
    throw new InvalidInputError('the webhook secret must be a non-empty string', [
      { path: ['secret'], message: 'a non-empty string' },
    ]);
  }
}

function importKey(secret: string): Promise<HmacKey> {
  return crypto.subtle.importKey('raw', encoder.encode(secret), { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
}

/** `prefix` then `body`, as one fresh buffer (also satisfies Web Crypto's `ArrayBuffer`-backed type). */
function concat(prefix: string, body: Uint8Array): Uint8Array<ArrayBuffer> {
  const head = encoder.encode(prefix);
  const bytes = new Uint8Array(head.length + body.length);
  bytes.set(head, 0);
  bytes.set(body, head.length);
  return bytes;
}

async function hmacSha256(secret: string, message: Uint8Array<ArrayBuffer>): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign('HMAC', await importKey(secret), message));
}

/** Decodes hex already checked against `[0-9a-f]` with an even length. */
function fromHex(hex: string): Uint8Array {
  const bytes = new Uint8Array(hex.length / 2);
  for (let i = 0; i < bytes.length; i++) bytes[i] = Number.parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return bytes;
}

function toBytes(body: Uint8Array | string): Uint8Array {
  return typeof body === 'string' ? encoder.encode(body) : body;
}

/**
 * Whether `a` and `b` hold the same bytes, in time that depends only on their lengths (lengths
 * are public: a SHA-256 MAC is always 32 bytes). Every byte is XOR-accumulated with no early
 * exit, so the time does not reveal how long a matching prefix a forger has guessed.
 */
export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  const length = Math.max(a.length, b.length);
  let diff = a.length ^ b.length;
  for (let i = 0; i < length; i++) diff |= (a[i] ?? 0) ^ (b[i] ?? 0);
  return diff === 0;
}

/**
 * The Goosuke signature headers for `body`: `x-goosuke-timestamp` is `timestamp` and
 * `x-goosuke-signature` is `sha256=` + hex HMAC-SHA256(secret, `"<timestamp>.<body>"`).
 * For senders, callbacks and tests; send `body` byte for byte as signed (a string is UTF-8 encoded).
 *
 * @param timestamp Unix time in whole seconds (not milliseconds).
 * @throws InvalidInputError when `secret` is empty or `timestamp` is not a non-negative integer
 *   of at most twelve digits.
 */
export async function signWebhook(input: {
  secret: string;
  body: Uint8Array | string;
  timestamp: number;
}): Promise<WebhookSignatureHeaders> {
  assertSecret(input.secret);
  const timestamp = input.timestamp;
  if (!Number.isSafeInteger(timestamp) || !timestampPattern.test(String(timestamp))) {
    throw new InvalidInputError('the webhook timestamp must be whole Unix seconds (a non-negative integer)', [
      { path: ['timestamp'], message: 'a non-negative integer, in seconds' },
    ]);
  }
  const mac = await hmacSha256(input.secret, concat(`${timestamp}.`, toBytes(input.body)));
  return { 'x-goosuke-timestamp': String(timestamp), 'x-goosuke-signature': `sha256=${toHex(mac)}` };
}

/**
 * Verifies a Goosuke-signed webhook: `x-goosuke-timestamp` (Unix seconds) must be within
 * `toleranceSeconds` of `now` (either side, edges included) and `x-goosuke-signature` must be
 * exactly `sha256=` + 64 lower-case hex of HMAC-SHA256(secret, `"<timestamp>.<body>"`), compared
 * in constant time. Nothing is trimmed or repaired. Does not detect replays: feed the result to a
 * {@link ReplayGuard} whose window is at least the tolerance.
 *
 * @param input.headers Case-insensitive lookup, called with lower-case names; see {@link WebhookHeaderLookup}.
 * @param input.body The raw request bytes as received, before any parsing or re-encoding.
 * @param input.now The current time in milliseconds since the epoch.
 * @throws UnauthorizedError ("invalid or expired token", reason `token`) for a missing header, a
 *   malformed timestamp or signature, a timestamp outside the tolerance, or a signature that does
 *   not match; the precise reason is in `cause`, for logs, and never holds the secret or the
 *   expected signature.
 * @throws InvalidInputError for an empty secret, a negative or non-integer tolerance, or a
 *   non-finite `now` (the caller's configuration, not the sender's fault).
 */
export async function verifyWebhookSignature(input: {
  secret: string;
  headers: WebhookHeaderLookup;
  body: Uint8Array;
  now: number;
  toleranceSeconds?: number;
}): Promise<VerifiedWebhook> {
  assertSecret(input.secret);
  const tolerance = input.toleranceSeconds ?? defaultWebhookToleranceSeconds;
  if (!Number.isSafeInteger(tolerance) || tolerance < 0) {
    throw new InvalidInputError('toleranceSeconds must be a non-negative integer', [
      { path: ['toleranceSeconds'], message: 'a non-negative integer' },
    ]);
  }
  if (!Number.isFinite(input.now)) {
    throw new InvalidInputError('now must be a finite time in milliseconds', [
      { path: ['now'], message: 'milliseconds since the epoch' },
    ]);
  }
  const timestampHeader = input.headers('x-goosuke-timestamp');
  const signature = input.headers('x-goosuke-signature');
  if (timestampHeader === undefined || timestampHeader === null) {
    throw refuse('missing X-Goosuke-Timestamp header');
  }
  if (signature === undefined || signature === null) throw refuse('missing X-Goosuke-Signature header');
  if (!timestampPattern.test(timestampHeader)) throw refuse('malformed X-Goosuke-Timestamp header');
  const provided = signaturePattern.exec(signature);
  if (provided === null) throw refuse('malformed X-Goosuke-Signature header (want sha256=<64 hex>)');
  const timestamp = Number(timestampHeader);
  // In milliseconds, so that the edges are exact: `now` may fall between two whole seconds.
  const skewMs = input.now - timestamp * 1000;
  if (Math.abs(skewMs) > tolerance * 1000) {
    throw refuse(`timestamp ${Math.round(skewMs / 1000)} s from now, outside ±${tolerance} s`);
  }
  const expected = await hmacSha256(input.secret, concat(`${timestampHeader}.`, input.body));
  if (!constantTimeEqual(expected, fromHex(provided[1]!))) throw refuse('signature does not match');
  return { signature, timestamp };
}

/**
 * Verifies GitHub's `X-Hub-Signature-256` header: exactly `sha256=` + 64 lower-case hex of
 * HMAC-SHA256(secret, raw body), compared in constant time. GitHub's scheme signs no timestamp,
 * so this cannot refuse replays by age: callers dedupe on the `X-GitHub-Delivery` id.
 *
 * @param input.header The `X-Hub-Signature-256` value, or `null`/`undefined` when absent.
 * @param input.body The raw request bytes as received.
 * @returns The header value (the verified signature).
 * @throws UnauthorizedError (reason `token`) for a missing or malformed header or a signature that
 *   does not match; the precise reason is in `cause`, never the secret or the expected signature.
 * @throws InvalidInputError for an empty secret.
 */
export async function verifyGitHubSignature(input: {
  secret: string;
  header: string | null | undefined;
  body: Uint8Array;
}): Promise<string> {
  assertSecret(input.secret);
  const header = input.header;
  if (header === undefined || header === null) throw refuse('missing X-Hub-Signature-256 header');
  const provided = signaturePattern.exec(header);
  if (provided === null) throw refuse('malformed X-Hub-Signature-256 header (want sha256=<64 hex>)');
  const expected = await hmacSha256(input.secret, concat('', input.body));
  if (!constantTimeEqual(expected, fromHex(provided[1]!))) throw refuse('signature does not match');
  return header;
}

/** Options of {@link createReplayGuard}. */
export interface ReplayGuardOptions {
  /**
   * How long after its timestamp a signature is remembered, in ms. Must be at least the verifier's
   * tolerance (`toleranceSeconds * 1000`), or a signature could be replayed once forgotten while
   * still accepted.
   */
  windowMs: number;
  /** The most signatures remembered at once; bounds memory. */
  maxEntries: number;
}

/** Refuses a second use of a webhook signature. */
export interface ReplayGuard {
  /**
   * True the first time `signature` is seen, and records it until `timestamp * 1000 + windowMs`;
   * false for a replay, for a timestamp already older than the window (it could not be
   * remembered), and when `maxEntries` live signatures are held (refused, not admitted).
   *
   * @param timestamp The signed Unix time, in seconds (as returned by {@link verifyWebhookSignature}).
   * @param now The current time, in milliseconds since the epoch.
   */
  check(signature: string, timestamp: number, now: number): boolean;
  /** How many signatures are remembered now (expired ones may linger until the next sweep). */
  readonly size: number;
}

/**
 * An in-memory {@link ReplayGuard}. Per process: a deployment with several processes (or
 * restarts inside the window) needs a shared store, such as a unique key in the database, for
 * the same guarantee.
 *
 * @throws InvalidInputError when `windowMs` is not a positive finite number or `maxEntries` is not
 *   a positive integer.
 */
export function createReplayGuard(options: ReplayGuardOptions): ReplayGuard {
  const { windowMs, maxEntries } = options;
  if (!Number.isFinite(windowMs) || windowMs <= 0) {
    throw new InvalidInputError('windowMs must be a positive number of milliseconds', [
      { path: ['windowMs'], message: 'a positive number' },
    ]);
  }
  if (!Number.isSafeInteger(maxEntries) || maxEntries < 1) {
    throw new InvalidInputError('maxEntries must be a positive integer', [
      { path: ['maxEntries'], message: 'a positive integer' },
    ]);
  }
  // signature -> the instant (ms) after which it is forgotten.
  const seen = new Map<string, number>();
  // The earliest expiry held, so a full guard sweeps only when something can actually be dropped.
  let nextExpiry = Number.POSITIVE_INFINITY;

  const sweep = (now: number) => {
    if (now <= nextExpiry) return;
    nextExpiry = Number.POSITIVE_INFINITY;
    for (const [signature, expiresAt] of seen) {
      if (expiresAt < now) seen.delete(signature);
      else if (expiresAt < nextExpiry) nextExpiry = expiresAt;
    }
  };

  return {
    check(signature, timestamp, now) {
      if (!Number.isFinite(timestamp) || !Number.isFinite(now)) return false;
      const expiresAt = timestamp * 1000 + windowMs;
      if (expiresAt < now) return false;
      sweep(now);
      if (seen.has(signature)) return false;
      // Full of live signatures: refuse the newcomer. Evicting an older one instead would forget
      // a signature that is still inside its window, and so reopen its replay.
      if (seen.size >= maxEntries) return false;
      seen.set(signature, expiresAt);
      if (expiresAt < nextExpiry) nextExpiry = expiresAt;
      return true;
    },
    get size() {
      return seen.size;
    },
  };
}
