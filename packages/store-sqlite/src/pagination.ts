import { InvalidInputError, type ListOptions } from '@goosuke/core';

/** Page size when a list call gives none. */
export const defaultPageSize = 50;

/** The largest page a list call may ask for. */
export const maximumPageSize = 500;

/** Where a page starts: after the item with this `createdAt` and `id`. */
export interface PagePosition {
  readonly createdAt: string;
  readonly id: string;
}

/** Makes the opaque cursor that continues after `position`: base64url of `[createdAt, id]`. */
export function encodeCursor(position: PagePosition): string {
  return Buffer.from(JSON.stringify([position.createdAt, position.id]), 'utf8').toString('base64url');
}

function invalidCursor(): InvalidInputError {
  return InvalidInputError.fromIssues('list options', [
    { path: ['cursor'], message: 'not a cursor returned by this store', code: 'custom' },
  ]);
}

/**
 * Reads a cursor made by {@link encodeCursor}.
 *
 * @throws InvalidInputError when `cursor` is not one.
 */
export function decodeCursor(cursor: string): PagePosition {
  if (!/^[A-Za-z0-9_-]+$/.test(cursor)) throw invalidCursor();
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (
    !Array.isArray(decoded) ||
    decoded.length !== 2 ||
    typeof decoded[0] !== 'string' ||
    typeof decoded[1] !== 'string'
  ) {
    throw invalidCursor();
  }
  return { createdAt: decoded[0], id: decoded[1] };
}

/**
 * The page size and start position of a list call.
 *
 * @throws InvalidInputError when `limit` is not an integer from 1 to 500 or `cursor` is not one of ours.
 */
export function readListOptions(options: ListOptions | undefined): {
  limit: number;
  after: PagePosition | null;
} {
  const limit = options?.limit ?? defaultPageSize;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1 || limit > maximumPageSize) {
    throw InvalidInputError.fromIssues('list options', [
      { path: ['limit'], message: `must be an integer from 1 to ${maximumPageSize}` },
    ]);
  }
  const cursor = options?.cursor;
  if (cursor === undefined || cursor === null) return { limit, after: null };
  if (typeof cursor !== 'string') throw invalidCursor();
  return { limit, after: decodeCursor(cursor) };
}
