import { z } from 'zod';
import { InvalidInputError, PayloadTooLargeError, RateLimitedError } from '../errors/index.ts';
import type { Store } from '../ports/store.ts';

/**
 * Bounds on what one caller may ask for, so that one request cannot cost many model calls or
 * much disk (an instruction is stored with its message and with each of its runs).
 */
export interface RunLimits {
  /**
   * The largest instruction or user message, in bytes of UTF-8 (default 200 KiB): larger ones
   * are refused with PayloadTooLargeError naming the limit. Whatever the limit, an instruction
   * holds at most 1,000,000 characters.
   */
  maxInstructionBytes: number;
  /**
   * The most model profiles one message may name, i.e. runs it starts (default 8, at most 16);
   * more is an InvalidInputError, and so is a profile named twice.
   */
  maxModelsPerMessage: number;
  /**
   * The most queued plus running runs one user may have (default 24): a message that would go
   * over is refused with RateLimitedError (retry once some have ended). Runs started for nobody
   * (a webhook or schedule of an action without an owner) are not counted.
   */
  maxActiveRunsPerUser: number;
}

/** The limits used where {@link createGoosuke}'s `limits` says nothing. */
export const defaultRunLimits: Readonly<RunLimits> = Object.freeze({
  maxInstructionBytes: 200 * 1024,
  maxModelsPerMessage: 8,
  maxActiveRunsPerUser: 24,
});

/** The checked shape of {@link RunLimits} overrides. */
export const runLimitsSchema = z
  .object({
    maxInstructionBytes: z.number().int().min(1).max(4_000_000),
    maxModelsPerMessage: z.number().int().min(1).max(16),
    maxActiveRunsPerUser: z.number().int().min(1).max(100_000),
  })
  .partial()
  .strict();

/**
 * The limits with every field filled in: `overrides` over {@link defaultRunLimits}.
 * InvalidInputError for a value out of range (e.g. `maxModelsPerMessage` over 16).
 */
export function resolveRunLimits(overrides: Partial<RunLimits> = {}): RunLimits {
  const parsed = runLimitsSchema.safeParse(overrides);
  if (!parsed.success) throw InvalidInputError.fromIssues('limits', parsed.error.issues);
  const defined = Object.fromEntries(Object.entries(parsed.data).filter(([, value]) => value !== undefined));
  return Object.freeze({ ...defaultRunLimits, ...defined });
}

const encoder = new TextEncoder();

/** The UTF-8 length of `text`, computed only when the character count leaves it in doubt. */
function utf8Length(text: string, limit: number): number {
  // A UTF-16 unit is at most 3 bytes of UTF-8: short text is within the limit without encoding it.
  if (text.length * 3 <= limit) return text.length;
  return encoder.encode(text).length;
}

/**
 * Refuses `text` over `limit` bytes of UTF-8 with PayloadTooLargeError (`subject` names it).
 * Anything but a string passes: the input schema reports what is wrong with it. Call before
 * parsing, so that an oversized text is a 413 whatever else is wrong with the input.
 */
export function assertTextWithin(text: unknown, limit: number, subject: string): void {
  if (typeof text !== 'string') return;
  const size = utf8Length(text, limit);
  if (size > limit) throw new PayloadTooLargeError(subject, limit, size);
}

/**
 * Refuses a list of model profile ids naming one profile twice, or more than `limit`, with
 * InvalidInputError at `models`. A repeated profile would repeat the same paid call.
 */
export function assertModelsWithin(models: readonly string[], limit: number): void {
  if (models.length > limit) {
    throw new InvalidInputError(`at most ${limit} models per message; ${models.length} were named`, [
      { path: ['models'], message: `at most ${limit} models`, code: 'too_big' },
    ]);
  }
  const seen = new Set<string>();
  for (const [index, id] of models.entries()) {
    if (seen.has(id)) {
      throw new InvalidInputError(`model profile ${id} is named twice; name each model once`, [
        { path: ['models', index], message: 'a model profile named twice' },
      ]);
    }
    seen.add(id);
  }
}

/**
 * Refuses a message's runs unless there is at least one and at most `limit`: its model profiles
 * (each named once, see {@link assertModelsWithin}) plus its agents (an agent on several models
 * counts once per model). `subject` names the input in the message (`runs`, `pipeline input`).
 */
export function assertRunsWithin(
  input: { models: readonly string[]; agents: readonly unknown[] },
  limit: number,
  subject: string,
): void {
  const { models, agents } = input;
  if (models.length + agents.length === 0) {
    throw new InvalidInputError(`invalid ${subject} at models: name at least one model profile or agent`, [
      { path: ['models'], message: 'name at least one model profile or agent' },
    ]);
  }
  assertModelsWithin(models, limit);
  if (models.length + agents.length > limit) {
    throw new InvalidInputError(
      `at most ${limit} runs per message; ${models.length} models and ${agents.length} agents were named`,
      [{ path: ['agents'], message: `at most ${limit} runs with the models`, code: 'too_big' }],
    );
  }
}

/** How long a caller over the active-run limit is asked to wait: runs take tens of seconds. */
export const activeRunsRetryAfterSeconds = 30;

/**
 * Refuses, with RateLimitedError, `adding` more runs for `userId` when the user's queued and
 * running runs plus them would exceed `limit`. Read with `store` (the caller's transaction, so
 * that concurrent requests of one user cannot both pass). A run belongs to the author of its
 * message; the store counts them (`runs.countActiveByAuthor`) without loading any run.
 */
export async function assertActiveRunsWithin(
  store: Store,
  userId: string,
  adding: number,
  limit: number,
): Promise<void> {
  const mine = await store.runs.countActiveByAuthor(userId);
  if (mine + adding > limit) {
    throw new RateLimitedError(
      `too many runs at once: ${mine} of yours are queued or running and the limit is ${limit}; wait for some to end`,
      activeRunsRetryAfterSeconds,
      { limit },
    );
  }
}
