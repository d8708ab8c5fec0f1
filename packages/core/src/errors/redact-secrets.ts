type Secrets = ReadonlyArray<string | null | undefined>;

// Shorter secrets would redact ordinary text.
const minimumSecretLength = 4;
// Bounds of the search through a cause: SDK errors are small, but a cause may reference a
// request or a client with a large graph behind it.
const maxDepth = 8;
const maxObjects = 2000;

/**
 * Replaces every occurrence of each secret (API keys, tokens) in `text` with `***`, so that
 * provider and git error messages can be shown and logged. Secrets shorter than 4 characters
 * are ignored (they would redact ordinary text).
 */
export function redactSecrets(text: string, secrets: ReadonlyArray<string | null | undefined>): string {
  let redacted = text;
  for (const secret of secrets) {
    if (secret && secret.length >= minimumSecretLength) redacted = redacted.split(secret).join('***');
  }
  return redacted;
}

/**
 * `cause` itself when no secret appears in it (its own properties, searched deeply, message
 * and stack included); otherwise a redacted copy: an Error with the same name, redacted message
 * and stack, its primitive fields and JSON-able data (a parsed error body) redacted, and its
 * own cause redacted the same way. A string is redacted; any other value holding a secret is
 * dropped. For keeping keys out of error causes, which logs print.
 */
export function redactedCause(cause: unknown, secrets: Secrets, depth = 0): unknown {
  const live = secrets.filter((secret): secret is string => !!secret && secret.length >= minimumSecretLength);
  if (live.length === 0 || !holdsSecret(cause, live)) return cause;
  if (typeof cause === 'string') return redactSecrets(cause, live);
  if (!(cause instanceof Error) || depth >= maxDepth) return undefined;
  const inner = cause.cause === undefined ? undefined : redactedCause(cause.cause, live, depth + 1);
  const copy = new Error(
    redactSecrets(cause.message, live),
    inner === undefined ? undefined : { cause: inner },
  );
  copy.name = cause.name;
  copy.stack = cause.stack === undefined ? undefined : redactSecrets(cause.stack, live);
  for (const [key, value] of Object.entries(cause)) {
    if (key === 'cause' || key in copy) continue;
    const kept = redactedData(value, live);
    if (kept !== undefined) (copy as unknown as Record<string, unknown>)[key] = kept;
  }
  return copy;
}

function redactedData(value: unknown, secrets: readonly string[]): unknown {
  if (typeof value === 'string') return redactSecrets(value, secrets);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return value;
  if (typeof value !== 'object' || !isPlainData(value)) return undefined;
  try {
    return JSON.parse(redactSecrets(JSON.stringify(value), secrets));
  } catch {
    return undefined;
  }
}

function isPlainData(value: object): boolean {
  const prototype = Object.getPrototypeOf(value);
  return Array.isArray(value) || prototype === Object.prototype || prototype === null;
}

function holdsSecret(root: unknown, secrets: readonly string[]): boolean {
  const seen = new Set<object>();
  const search = (value: unknown, depth: number): boolean => {
    if (typeof value === 'string') return secrets.some((secret) => value.includes(secret));
    if (typeof value !== 'object' || value === null) return false;
    if (seen.has(value) || depth > maxDepth || seen.size >= maxObjects) return false;
    seen.add(value);
    // Own properties, enumerable or not: an Error's message, stack and cause are not enumerable.
    for (const key of Object.getOwnPropertyNames(value)) {
      let child: unknown;
      try {
        child = (value as Record<string, unknown>)[key];
      } catch {
        continue;
      }
      if (search(child, depth + 1)) return true;
    }
    return false;
  };
  return search(root, 0);
}

/**
 * `value` (JSON: event data) with every secret in every string, keys included, replaced as
 * {@link redactSecrets} does; the same value when there is nothing to redact.
 */
export function redactJson<Value>(value: Value, secrets: Secrets): Value {
  const live = secrets.filter((secret): secret is string => !!secret && secret.length >= minimumSecretLength);
  if (live.length === 0) return value;
  const walk = (inner: unknown): unknown => {
    if (typeof inner === 'string') return redactSecrets(inner, live);
    if (Array.isArray(inner)) return inner.map(walk);
    if (inner !== null && typeof inner === 'object') {
      return Object.fromEntries(
        Object.entries(inner as Record<string, unknown>).map(([key, entry]) => [
          redactSecrets(key, live),
          walk(entry),
        ]),
      );
    }
    return inner;
  };
  return walk(value) as Value;
}
