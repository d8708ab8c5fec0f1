import { type ChildProcess, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Job } from '@goosuke/core';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createSqliteJobQueue, type SqliteJobQueue } from '../src/index.ts';
import { createTempDatabaseDirectory, type TempDatabaseDirectory } from './fixtures.ts';

const leaseHolderScript = fileURLToPath(new URL('./lease-holder-process.ts', import.meta.url));
const leaseMs = 600;

let directory: TempDatabaseDirectory;
let children: ChildProcess[] = [];

beforeEach(async () => {
  directory = await createTempDatabaseDirectory();
});

afterEach(async () => {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children = [];
  await directory.remove();
});

/** Starts the lease holder on `file` and collects its stdout lines; killed after the test. */
function spawnLeaseHolder(
  file: string,
  concurrency: number,
  holderLeaseMs = leaseMs,
): { process: ChildProcess; lines: string[] } {
  const lines: string[] = [];
  const holder = spawn(
    process.execPath,
    ['--conditions=@goosuke/source', leaseHolderScript, file, String(holderLeaseMs), String(concurrency)],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  children.push(holder);
  let buffered = '';
  holder.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split('\n');
    buffered = parts.pop() ?? '';
    lines.push(...parts);
  });
  let errors = '';
  holder.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    errors += chunk;
  });
  holder.on('exit', (code) => {
    if (code !== null && code !== 0) lines.push(`exited ${code}: ${errors}`);
  });
  return { process: holder, lines };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 8000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('two processes on one database file', () => {
  it('a cancel reaches the other process on its lease renewal, and a killed worker’s job is redelivered after its lease', async () => {
    const file = directory.file();
    const parent: SqliteJobQueue = directory.track(
      await createSqliteJobQueue({ database: file, leaseMs, pollIntervalMs: 20, workerId: 'parent' }),
    );
    await parent.enqueue({ id: 'canceled-remotely', type: 'run', payload: null });
    await parent.enqueue({ id: 'orphaned', type: 'run', payload: { step: 1 } });

    const holder = spawnLeaseHolder(file, 2);
    await waitFor(
      () => holder.lines.filter((line) => line.startsWith('claimed ')).length === 2,
      `the child to claim both jobs (stdout: ${holder.lines.join(' | ')})`,
    );
    expect(holder.lines).toContain('claimed orphaned 1');

    // Another process cancels: the child notices on its next renewal (every leaseMs / 3).
    const canceledAt = Date.now();
    expect(await parent.cancel('canceled-remotely')).toBe(true);
    await waitFor(
      () => holder.lines.includes('aborted canceled-remotely'),
      'the child to abort the canceled job',
    );
    expect(Date.now() - canceledAt).toBeLessThan(leaseMs);

    // While the child lives it renews its lease: the parent must not get the job.
    const delivered: Array<{ job: Job; at: number }> = [];
    parent.start(
      async (job) => {
        delivered.push({ job, at: Date.now() });
      },
      { concurrency: 1 },
    );
    await new Promise((resolve) => setTimeout(resolve, leaseMs * 1.5));
    expect(delivered).toEqual([]);

    const killedAt = Date.now();
    const exited = new Promise((resolve) => holder.process.once('exit', resolve));
    holder.process.kill('SIGKILL');
    await exited;
    await waitFor(() => delivered.length === 1, 'the parent to receive the orphaned job');
    const [redelivery] = delivered;
    expect(redelivery!.job).toMatchObject({ id: 'orphaned', attempts: 2, payload: { step: 1 } });
    // Not before the child's last lease ran out (it renewed at most leaseMs / 3 before the kill).
    expect(redelivery!.at - killedAt).toBeGreaterThanOrEqual(leaseMs / 2);
    await parent.drain();
    expect(await parent.get('orphaned')).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await parent.get('canceled-remotely')).toMatchObject({ status: 'canceled', attempts: 1 });
  }, 15_000);

  it('a job whose worker process is killed 3 times is failed, and neither of two live processes gets it', async () => {
    const crashLeaseMs = 300;
    const file = directory.file();
    const parent: SqliteJobQueue = directory.track(
      await createSqliteJobQueue({
        database: file,
        leaseMs: crashLeaseMs,
        pollIntervalMs: 20,
        workerId: 'parent',
      }),
    );
    await parent.enqueue({ id: 'poison', type: 'run', payload: null, maxAttempts: 10 });

    // Each child claims the job (the second and third once the previous one's lease ran out)
    // and is killed holding it, as a job that crashes its process would have it.
    for (let delivery = 1; delivery <= 3; delivery += 1) {
      const holder = spawnLeaseHolder(file, 1, crashLeaseMs);
      await waitFor(
        () => holder.lines.includes(`claimed poison ${delivery}`),
        `child ${delivery} to claim the job (stdout: ${holder.lines.join(' | ')})`,
      );
      const exited = new Promise((resolve) => holder.process.once('exit', resolve));
      holder.process.kill('SIGKILL');
      await exited;
    }

    // Two live processes poll when the third lease expires: one of them gives the job up,
    // neither runs it.
    const survivor = spawnLeaseHolder(file, 1, crashLeaseMs);
    await waitFor(() => survivor.lines.includes('ready'), 'the surviving child to start');
    const delivered: Job[] = [];
    parent.start(
      async (job) => {
        delivered.push(job);
      },
      { concurrency: 1 },
    );
    await waitFor(() => {
      const raw = new Database(file, { readonly: true });
      try {
        const row = raw.prepare("select status from goosuke_jobs where id = 'poison'").get() as {
          status: string;
        };
        return row.status === 'failed';
      } finally {
        raw.close();
      }
    }, 'the job to be given up');
    await new Promise((resolve) => setTimeout(resolve, crashLeaseMs));
    expect(delivered).toEqual([]);
    expect(survivor.lines.filter((line) => line.startsWith('claimed '))).toEqual([]);
    expect(await parent.get('poison')).toMatchObject({
      status: 'failed',
      attempts: 3,
      lastError: 'gave up on the job: its worker stopped 3 times without finishing it (its lease expired)',
    });
  }, 20_000);
});
