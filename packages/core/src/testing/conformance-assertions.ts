import { expect } from 'vitest';
import { GoosukeError, type GoosukeErrorCode } from '../errors/index.ts';

// Shared by the conformance suites; not exported from the package.

/**
 * Calls `call` and returns what its promise rejected with. Fails when the call throws
 * synchronously (an async method must reject, not throw) or when the promise resolves.
 */
export async function rejectionOf(call: () => Promise<unknown>): Promise<unknown> {
  let promise: Promise<unknown>;
  try {
    promise = call();
  } catch (error) {
    throw new Error(`expected a rejected promise, but the call threw synchronously: ${describe(error)}`);
  }
  try {
    const value = await promise;
    throw new ExpectedRejection(`expected the call to reject, but it resolved with ${describe(value)}`);
  } catch (error) {
    if (error instanceof ExpectedRejection) throw new Error(error.message);
    return error;
  }
}

class ExpectedRejection extends Error {}

/** Asserts that `error` is a GoosukeError (by its marker, not `instanceof`) with `code`. */
export function expectGoosukeError(error: unknown, code?: GoosukeErrorCode): asserts error is GoosukeError {
  expect(GoosukeError.isInstance(error), `expected a GoosukeError, got ${describe(error)}`).toBe(true);
  if (code !== undefined) expect((error as GoosukeError).code, (error as Error).message).toBe(code);
}

/** Asserts that `call` rejects with a GoosukeError of `code`. */
export async function expectRejectsWith(
  call: () => Promise<unknown>,
  code?: GoosukeErrorCode,
): Promise<void> {
  expectGoosukeError(await rejectionOf(call), code);
}

function describe(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}
