import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { JobQueue } from '@goosuke/core';
import { describeJobQueueConformance } from '@goosuke/core/testing';
import { createSqliteJobQueue, type SqliteJobQueue } from './sqlite-job-queue.ts';

let directory: string | undefined;

// Every handle of one test opens its own connection to the same real database file, like
// separate processes sharing it; the file lives in a fresh temp directory per test.
describeJobQueueConformance('SQLite file', {
  async open({ leaseMs, maxLeaseExpiries }) {
    directory ??= await mkdtemp(join(tmpdir(), 'goosuke-queue-conformance-'));
    return createSqliteJobQueue({
      database: join(directory, 'goosuke.sqlite'),
      leaseMs,
      maxLeaseExpiries,
      pollIntervalMs: 10,
      retryBackoffMs: 20,
    });
  },
  async crash(queue: JobQueue) {
    await (queue as SqliteJobQueue).simulateCrash();
  },
  async cleanup() {
    if (directory !== undefined) await rm(directory, { recursive: true, force: true });
    directory = undefined;
  },
});
