// A worker process for the two-process lease test. Run with Node's type stripping:
//   node --conditions=@goosuke/source test/lease-holder-process.ts <database file> <leaseMs> <concurrency>
// It opens the queue on the file, claims jobs with handlers that never finish, and reports on
// stdout: `ready`, `claimed <id> <attempts>` and `aborted <id>` (when a handler's signal aborts).
// The parent kills it with SIGKILL, so nothing is ever released.
import { createSqliteJobQueue } from '../src/index.ts';

const [file, leaseMs, concurrency] = process.argv.slice(2);
if (file === undefined) throw new Error('usage: lease-holder-process.ts <file> <leaseMs> <concurrency>');

const queue = await createSqliteJobQueue({
  database: file,
  leaseMs: Number(leaseMs ?? 500),
  pollIntervalMs: 20,
  workerId: `child-${process.pid}`,
});
queue.start(
  (job, { signal }) => {
    process.stdout.write(`claimed ${job.id} ${job.attempts}\n`);
    signal.addEventListener('abort', () => process.stdout.write(`aborted ${job.id}\n`));
    return new Promise<void>(() => {});
  },
  { concurrency: Number(concurrency ?? 1) },
);
process.stdout.write('ready\n');
