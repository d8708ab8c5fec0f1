import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InvalidInputError, UnauthorizedError } from '../errors/index.ts';
import {
  constantTimeEqual,
  createReplayGuard,
  signWebhook,
  verifyGitHubSignature,
  verifyWebhookSignature,
  type WebhookHeaderLookup,
} from './webhook-signature.ts';

const secret = 'webhook-secret-for-tests-0123456789';
const encoder = new TextEncoder();
const body = encoder.encode('{"action":"opened","number":7,"title":"héllo"}');
const timestamp = 1_750_000_000;
const nowAt = (seconds: number) => seconds * 1000;

/** A lookup over a record, case-insensitive the way HTTP headers are. */
function lookup(record: Record<string, string>): WebhookHeaderLookup {
  const lower = new Map(Object.entries(record).map(([name, value]) => [name.toLowerCase(), value]));
  return (name) => lower.get(name.toLowerCase());
}

function nodeHmac(key: string, data: Uint8Array | string): string {
  return createHmac('sha256', key).update(data).digest('hex');
}

/** Asserts an UnauthorizedError whose message and cause leak neither the secret nor the expected MAC. */
async function expectRefused(promise: Promise<unknown>, cause: RegExp, leaks: string[] = []) {
  const error = await promise.then(
    () => {
      throw new Error('expected a refusal');
    },
    (caught: unknown) => caught,
  );
  expect(error).toBeInstanceOf(UnauthorizedError);
  const refused = error as UnauthorizedError;
  expect(refused.reason).toBe('signature');
  expect(refused.message).toBe('missing, invalid, expired or replayed webhook signature');
  const causeMessage = (refused.cause as Error).message;
  expect(causeMessage).toMatch(cause);
  for (const text of [secret, ...leaks]) {
    expect(refused.message).not.toContain(text);
    expect(causeMessage).not.toContain(text);
    expect(JSON.stringify(refused)).not.toContain(text);
  }
}

describe('signWebhook', () => {
  it('matches an HMAC-SHA256 of "<timestamp>.<body>" computed by node:crypto', async () => {
    const headers = await signWebhook({ secret, body, timestamp });
    const expected = nodeHmac(secret, Buffer.concat([Buffer.from(`${timestamp}.`), body]));
    expect(headers).toEqual({
      'x-goosuke-timestamp': '1750000000',
      'x-goosuke-signature': `sha256=${expected}`,
    });
  });

  it('signs a string body as its UTF-8 bytes', async () => {
    const text = 'héllo ✓';
    const fromString = await signWebhook({ secret, body: text, timestamp });
    const fromBytes = await signWebhook({ secret, body: encoder.encode(text), timestamp });
    expect(fromString).toEqual(fromBytes);
    expect(fromString['x-goosuke-signature']).toBe(`sha256=${nodeHmac(secret, `${timestamp}.${text}`)}`);
  });

  it('matches a fixed vector (empty body)', async () => {
    // Computed once with node:crypto and pinned, so a change in both sides at once still fails.
    const headers = await signWebhook({ secret: 'key', body: '', timestamp: 0 });
    expect(headers['x-goosuke-signature']).toBe(
      'sha256=85841b4efc3cd7776c3c8f9b7cca9e281c550e5d19889d78e9e669c6337f000d',
    );
    expect(headers['x-goosuke-signature']).toBe(`sha256=${nodeHmac('key', '0.')}`);
  });

  it('refuses an empty secret and a timestamp that is not whole non-negative seconds', async () => {
    await expect(signWebhook({ secret: '', body, timestamp })).rejects.toBeInstanceOf(InvalidInputError);
    for (const bad of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1e13]) {
      await expect(signWebhook({ secret, body, timestamp: bad })).rejects.toBeInstanceOf(InvalidInputError);
    }
  });
});

describe('verifyWebhookSignature', () => {
  it('accepts what signWebhook signed (round trip), with headers in any case', async () => {
    const signed = await signWebhook({ secret, body, timestamp });
    const result = await verifyWebhookSignature({
      secret,
      headers: lookup({
        'X-Goosuke-Timestamp': signed['x-goosuke-timestamp'],
        'X-GOOSUKE-SIGNATURE': signed['x-goosuke-signature'],
      }),
      body,
      now: nowAt(timestamp),
    });
    expect(result).toEqual({ signature: signed['x-goosuke-signature'], timestamp });
  });

  it('accepts a signature computed independently with node:crypto', async () => {
    const signature = `sha256=${nodeHmac(secret, Buffer.concat([Buffer.from(`${timestamp}.`), body]))}`;
    const result = await verifyWebhookSignature({
      secret,
      headers: lookup({ 'x-goosuke-timestamp': String(timestamp), 'x-goosuke-signature': signature }),
      body,
      now: nowAt(timestamp) + 1234,
    });
    expect(result.signature).toBe(signature);
  });

  it('works with a Fetch Headers object', async () => {
    const signed = await signWebhook({ secret, body, timestamp });
    const headers = new Headers({ ...signed });
    await expect(
      verifyWebhookSignature({ secret, headers: (name) => headers.get(name), body, now: nowAt(timestamp) }),
    ).resolves.toEqual({ signature: signed['x-goosuke-signature'], timestamp });
  });

  it('accepts the timestamp at both edges of the window and refuses 1 ms beyond', async () => {
    const signed = await signWebhook({ secret, body, timestamp });
    const verify = (now: number, toleranceSeconds?: number) =>
      verifyWebhookSignature({ secret, headers: lookup({ ...signed }), body, now, toleranceSeconds });
    await expect(verify(nowAt(timestamp + 300))).resolves.toBeDefined();
    await expect(verify(nowAt(timestamp - 300))).resolves.toBeDefined();
    await expectRefused(verify(nowAt(timestamp + 300) + 1), /outside ±300 s/);
    await expectRefused(verify(nowAt(timestamp - 300) - 1), /outside ±300 s/);
    await expect(verify(nowAt(timestamp + 10), 10)).resolves.toBeDefined();
    await expectRefused(verify(nowAt(timestamp + 11), 10), /outside ±10 s/);
    await expect(verify(nowAt(timestamp), 0)).resolves.toBeDefined();
    await expectRefused(verify(nowAt(timestamp) + 1, 0), /outside/);
  });

  it('refuses missing headers', async () => {
    const signed = await signWebhook({ secret, body, timestamp });
    const now = nowAt(timestamp);
    await expectRefused(
      verifyWebhookSignature({
        secret,
        headers: lookup({ 'x-goosuke-signature': signed['x-goosuke-signature'] }),
        body,
        now,
      }),
      /missing X-Goosuke-Timestamp/,
    );
    await expectRefused(
      verifyWebhookSignature({
        secret,
        headers: lookup({ 'x-goosuke-timestamp': signed['x-goosuke-timestamp'] }),
        body,
        now,
      }),
      /missing X-Goosuke-Signature/,
    );
    await expectRefused(verifyWebhookSignature({ secret, headers: () => null, body, now }), /missing/);
  });

  it('refuses malformed timestamps', async () => {
    for (const bad of [
      '',
      ' 1750000000',
      '1750000000 ',
      '+1750000000',
      '-1',
      '1750000000.0',
      '1.75e9',
      '01750000000',
      '0x1',
      'abc',
      '1'.repeat(13),
    ]) {
      const signature = `sha256=${nodeHmac(secret, Buffer.concat([Buffer.from(`${bad}.`), body]))}`;
      await expectRefused(
        verifyWebhookSignature({
          secret,
          headers: lookup({ 'x-goosuke-timestamp': bad, 'x-goosuke-signature': signature }),
          body,
          now: nowAt(timestamp),
        }),
        /malformed X-Goosuke-Timestamp/,
      );
    }
  });

  it('refuses malformed signatures, including the old system\'s "Bearer garbage"', async () => {
    const signed = await signWebhook({ secret, body, timestamp });
    const hex = signed['x-goosuke-signature'].slice('sha256='.length);
    for (const bad of [
      '',
      'Bearer garbage',
      hex,
      `sha1=${hex.slice(0, 40)}`,
      `SHA256=${hex}`,
      `sha256=${hex.toUpperCase()}`,
      `sha256=${hex.slice(0, 63)}`,
      `sha256=${hex}0`,
      `sha256=${hex.slice(0, 63)}g`,
      ` sha256=${hex}`,
      `sha256=${hex} `,
      `sha256=${hex}, sha256=${hex}`,
    ]) {
      await expectRefused(
        verifyWebhookSignature({
          secret,
          headers: lookup({ 'x-goosuke-timestamp': String(timestamp), 'x-goosuke-signature': bad }),
          body,
          now: nowAt(timestamp),
        }),
        /malformed X-Goosuke-Signature/,
      );
    }
  });

  it('refuses a tampered body, a changed timestamp, a wrong secret and a forged signature without leaking', async () => {
    const signed = await signWebhook({ secret, body, timestamp });
    const expected = signed['x-goosuke-signature'];
    const expectedHex = expected.slice('sha256='.length);
    const now = nowAt(timestamp);
    const tampered = body.slice();
    tampered[3] = (tampered[3] ?? 0) ^ 1;
    await expectRefused(
      verifyWebhookSignature({ secret, headers: lookup({ ...signed }), body: tampered, now }),
      /does not match/,
      [expectedHex],
    );
    await expectRefused(
      verifyWebhookSignature({ secret, headers: lookup({ ...signed }), body: body.slice(0, -1), now }),
      /does not match/,
      [expectedHex],
    );
    await expectRefused(
      verifyWebhookSignature({
        secret,
        headers: lookup({ 'x-goosuke-timestamp': String(timestamp + 1), 'x-goosuke-signature': expected }),
        body,
        now,
      }),
      /does not match/,
      [expectedHex],
    );
    await expectRefused(
      verifyWebhookSignature({ secret: `${secret}x`, headers: lookup({ ...signed }), body, now }),
      /does not match/,
    );
    const flipped = `sha256=${expectedHex.slice(0, 63)}${expectedHex.endsWith('0') ? '1' : '0'}`;
    await expectRefused(
      verifyWebhookSignature({
        secret,
        headers: lookup({ 'x-goosuke-timestamp': String(timestamp), 'x-goosuke-signature': flipped }),
        body,
        now,
      }),
      /does not match/,
      [expectedHex],
    );
  });

  it('refuses bad configuration with InvalidInputError', async () => {
    const signed = await signWebhook({ secret, body, timestamp });
    const base = { secret, headers: lookup({ ...signed }), body, now: nowAt(timestamp) };
    await expect(verifyWebhookSignature({ ...base, secret: '' })).rejects.toBeInstanceOf(InvalidInputError);
    await expect(verifyWebhookSignature({ ...base, toleranceSeconds: -1 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(verifyWebhookSignature({ ...base, toleranceSeconds: 0.5 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
    await expect(verifyWebhookSignature({ ...base, now: Number.NaN })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});

describe('verifyGitHubSignature', () => {
  const githubHeader = (key: string, data: Uint8Array) => `sha256=${nodeHmac(key, data)}`;

  it('accepts X-Hub-Signature-256 computed with node:crypto', async () => {
    const header = githubHeader(secret, body);
    await expect(verifyGitHubSignature({ secret, header, body })).resolves.toBe(header);
  });

  it("matches GitHub's documented example", async () => {
    // https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries#testing-the-webhook-payload-validation
    const header = 'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17';
    await expect(
      verifyGitHubSignature({
        secret: "It's a Secret to Everybody",
        header,
        body: encoder.encode('Hello, World!'),
      }),
    ).resolves.toBe(header);
  });

  it('refuses a bad signature, a tampered body and a wrong secret without leaking', async () => {
    const header = githubHeader(secret, body);
    const expectedHex = header.slice('sha256='.length);
    await expectRefused(
      verifyGitHubSignature({ secret, header: githubHeader('other', body), body }),
      /does not match/,
      [expectedHex],
    );
    await expectRefused(
      verifyGitHubSignature({ secret, header, body: encoder.encode('{}') }),
      /does not match/,
    );
    await expectRefused(verifyGitHubSignature({ secret: 'wrong', header, body }), /does not match/);
  });

  it('refuses a missing or malformed header', async () => {
    const hex = nodeHmac(secret, body);
    await expectRefused(verifyGitHubSignature({ secret, header: undefined, body }), /missing/);
    await expectRefused(verifyGitHubSignature({ secret, header: null, body }), /missing/);
    for (const bad of [
      '',
      'Bearer garbage',
      hex,
      `sha1=${hex.slice(0, 40)}`,
      `sha256=${hex.toUpperCase()}`,
      `sha256=${hex}a`,
    ]) {
      await expectRefused(
        verifyGitHubSignature({ secret, header: bad, body }),
        /malformed X-Hub-Signature-256/,
      );
    }
    await expect(verifyGitHubSignature({ secret: '', header: `sha256=${hex}`, body })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });
});

describe('constantTimeEqual', () => {
  it('is true only for identical bytes', () => {
    expect(constantTimeEqual(new Uint8Array([]), new Uint8Array([]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(true);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2, 4]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([0, 2, 3]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([255]), new Uint8Array([0]))).toBe(false);
  });

  it('is false for different lengths, including a prefix and trailing zeros', () => {
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 3]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2, 3]), new Uint8Array([1, 2]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2, 0]))).toBe(false);
    expect(constantTimeEqual(new Uint8Array([]), new Uint8Array([0]))).toBe(false);
  });
});

describe('createReplayGuard', () => {
  const windowMs = 300_000;

  it('accepts a signature once and refuses the replay', () => {
    const guard = createReplayGuard({ windowMs, maxEntries: 10 });
    expect(guard.check('sha256=a', timestamp, nowAt(timestamp))).toBe(true);
    expect(guard.check('sha256=a', timestamp, nowAt(timestamp) + 1)).toBe(false);
    expect(guard.check('sha256=b', timestamp, nowAt(timestamp) + 1)).toBe(true);
    expect(guard.size).toBe(2);
  });

  it('remembers until the end of the window, then drops the entry', () => {
    const guard = createReplayGuard({ windowMs, maxEntries: 10 });
    expect(guard.check('sha256=a', timestamp, nowAt(timestamp))).toBe(true);
    expect(guard.check('sha256=a', timestamp, nowAt(timestamp) + windowMs)).toBe(false);
    // Past the window the signature is too old to be accepted at all, and its entry is swept.
    expect(guard.check('sha256=a', timestamp, nowAt(timestamp) + windowMs + 1)).toBe(false);
    expect(guard.check('sha256=new', timestamp + 400, nowAt(timestamp) + windowMs + 1)).toBe(true);
    expect(guard.size).toBe(1);
  });

  it('refuses a signature whose timestamp is already older than the window', () => {
    const guard = createReplayGuard({ windowMs, maxEntries: 10 });
    expect(guard.check('sha256=old', timestamp, nowAt(timestamp) + windowMs + 1)).toBe(false);
    expect(guard.size).toBe(0);
  });

  it('is bounded: when full of live entries it refuses newcomers and keeps the old ones', () => {
    const guard = createReplayGuard({ windowMs, maxEntries: 2 });
    const now = nowAt(timestamp);
    expect(guard.check('sha256=1', timestamp, now)).toBe(true);
    expect(guard.check('sha256=2', timestamp + 10, now)).toBe(true);
    expect(guard.check('sha256=3', timestamp, now)).toBe(false);
    expect(guard.size).toBe(2);
    // The old ones are still remembered: no replay reopened by the pressure.
    expect(guard.check('sha256=1', timestamp, now + 1)).toBe(false);
    // Once the first expires, there is room again.
    expect(guard.check('sha256=3', timestamp + 5, now + windowMs + 1)).toBe(true);
    expect(guard.check('sha256=2', timestamp + 10, now + windowMs + 1)).toBe(false);
    expect(guard.size).toBe(2);
  });

  it('works with verifyWebhookSignature end to end', async () => {
    const guard = createReplayGuard({ windowMs, maxEntries: 100 });
    const signed = await signWebhook({ secret, body, timestamp });
    const deliver = async () => {
      const { signature, timestamp: signedAt } = await verifyWebhookSignature({
        secret,
        headers: lookup({ ...signed }),
        body,
        now: nowAt(timestamp + 1),
      });
      return guard.check(signature, signedAt, nowAt(timestamp + 1));
    };
    expect(await deliver()).toBe(true);
    expect(await deliver()).toBe(false);
  });

  it('refuses bad options', () => {
    expect(() => createReplayGuard({ windowMs: 0, maxEntries: 1 })).toThrow(InvalidInputError);
    expect(() => createReplayGuard({ windowMs: Number.NaN, maxEntries: 1 })).toThrow(InvalidInputError);
    expect(() => createReplayGuard({ windowMs, maxEntries: 0 })).toThrow(InvalidInputError);
    expect(() => createReplayGuard({ windowMs, maxEntries: 1.5 })).toThrow(InvalidInputError);
  });
});
