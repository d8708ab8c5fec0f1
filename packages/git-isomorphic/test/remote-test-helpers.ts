import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { GoosukeError } from '@goosuke/core';
import { expect } from 'vitest';

// Shared by the tests that talk to the real smart-HTTP git server.

/** The GoosukeError `promise` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(promise: Promise<unknown>): Promise<GoosukeError> {
  const error = await promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (reason: unknown) => reason,
  );
  expect(GoosukeError.isInstance(error), String(error)).toBe(true);
  return error as GoosukeError;
}

/** Every file under `directory` whose bytes contain `needle`. */
export async function filesContaining(directory: string, needle: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const found: string[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    if ((await readFile(file)).includes(needle)) found.push(file);
  }
  return found;
}
