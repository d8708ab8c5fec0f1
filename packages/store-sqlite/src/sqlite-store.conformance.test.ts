import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describeStoreConformance } from '@goosuke/core/testing';
import { createSqliteStore } from './sqlite-store.ts';

let directory: string | undefined;

// A real database file in a fresh temp directory for every test.
describeStoreConformance('SQLite file', {
  async open() {
    directory = await mkdtemp(join(tmpdir(), 'goosuke-store-conformance-'));
    return createSqliteStore({ database: join(directory, 'goosuke.sqlite') });
  },
  async cleanup() {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    directory = undefined;
  },
});
