// Benchmark: @goosuke/store-sqlite against raw better-sqlite3 prepared statements, measured in
// the same run on the same machine, on database files with identical settings (WAL,
// synchronous NORMAL, foreign keys on) and the identical table and indexes.
//
//   cd packages/store-sqlite && npx tsup && cd ../.. && node bench/sqlite-store.bench.ts
//
// Figures are ratios of store time to raw time (lower is better): inserts of tasks (one
// autocommit write each, as services do) and point reads by random id (the raw side maps the
// row to the same Task shape; the store also validates it with the zod schema).
// Targets: inserts <= 2, point reads <= 3. Exits with code 1 when a target is missed.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Task } from '@goosuke/core';
import { createSqliteStore } from '@goosuke/store-sqlite';
import Database from 'better-sqlite3';

const insertCount = 20_000;
const readCount = 200_000;
const rounds = 4;
const warmUpCount = 2_000;

const directory = mkdtempSync(join(tmpdir(), 'goosuke-sqlite-bench-'));

// A deterministic generator, so every run reads the same sequence of ids.
function pseudoRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

const baseTime = Date.parse('2026-01-01T00:00:00.000Z');
function makeTask(index: number, prefix: string): Task {
  const at = new Date(baseTime + index).toISOString();
  return {
    id: `${prefix}_${index.toString(16).padStart(12, '0')}b1c2d3e4f5a6b7c8d9e0`,
    title: `Summarise thread ${index}`,
    repoId: index % 3 === 0 ? null : 'repo_0000000000000001',
    baseBranch: index % 3 === 0 ? null : 'main',
    actionId: null,
    templateId: null,
    trigger: null,
    status: index % 5 === 0 ? 'idle' : 'succeeded',
    createdBy: 'user_0000000000000001',
    firedBy: null,
    chosenRunId: null,
    archived: index % 10 === 0,
    extensionIds: index % 4 === 0 ? ['extension_0000000000000001'] : [],
    discordChannel: null,
    createdAt: at,
    updatedAt: at,
  };
}

interface TaskRow {
  id: string;
  title: string;
  repo_id: string | null;
  base_branch: string | null;
  action_id: string | null;
  template_id: string | null;
  trigger: Task['trigger'];
  status: Task['status'];
  created_by: string | null;
  fired_by: string | null;
  chosen_run_id: string | null;
  archived: number;
  extension_ids: string;
  discord_channel: string | null;
  created_at: string;
  updated_at: string;
}

function rowToTask(row: TaskRow): Task {
  return {
    id: row.id,
    title: row.title,
    repoId: row.repo_id,
    baseBranch: row.base_branch,
    actionId: row.action_id,
    templateId: row.template_id,
    trigger: row.trigger,
    status: row.status,
    createdBy: row.created_by,
    firedBy: row.fired_by,
    chosenRunId: row.chosen_run_id,
    archived: row.archived === 1,
    extensionIds: JSON.parse(row.extension_ids) as string[],
    discordChannel:
      row.discord_channel === null ? null : (JSON.parse(row.discord_channel) as Task['discordChannel']),
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

async function main(): Promise<boolean> {
  const store = await createSqliteStore({ database: join(directory, 'store.sqlite') });

  // The raw side gets the very schema the store's migrations created.
  const raw = new Database(join(directory, 'raw.sqlite'));
  raw.pragma('busy_timeout = 5000');
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  // Every table the tasks table references must exist for its inserts (SQLite checks a foreign
  // key's parent table when a statement is prepared), so the raw side gets the whole schema, in the
  // order the store created it; the measured work still touches goosuke_tasks alone.
  const ddl = store.database
    .prepare(
      "select sql from sqlite_master where sql is not null and name not like 'sqlite_%' order by rowid",
    )
    .pluck()
    .all() as string[];
  for (const statement of ddl) raw.exec(statement);
  const settings = (database: Database.Database) =>
    ['journal_mode', 'synchronous', 'foreign_keys']
      .map((name) => `${name}=${database.pragma(name, { simple: true })}`)
      .join(' ');
  if (settings(raw) !== settings(store.database)) {
    throw new Error(`settings differ: raw ${settings(raw)}, store ${settings(store.database)}`);
  }

  const rawInsert = raw.prepare(
    'insert into goosuke_tasks (id, title, repo_id, base_branch, action_id, template_id, trigger, status, created_by, chosen_run_id, archived, extension_ids, discord_channel, created_at, updated_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const rawSelect = raw.prepare(
    'select id, title, repo_id, base_branch, action_id, template_id, trigger, status, created_by, fired_by, chosen_run_id, archived, extension_ids, discord_channel, created_at, updated_at from goosuke_tasks where id = ?',
  );
  const insertRaw = (task: Task) =>
    rawInsert.run(
      task.id,
      task.title,
      task.repoId,
      task.baseBranch,
      task.actionId,
      task.templateId,
      task.trigger,
      task.status,
      task.createdBy,
      task.chosenRunId,
      task.archived ? 1 : 0,
      JSON.stringify(task.extensionIds),
      task.discordChannel === null ? null : JSON.stringify(task.discordChannel),
      task.createdAt,
      task.updatedAt,
    );
  const readRaw = (id: string): Task | null => {
    const row = rawSelect.get(id) as TaskRow | undefined;
    return row === undefined ? null : rowToTask(row);
  };

  // Warm up both paths (JIT, statement caches, page cache) on tasks outside the measured set.
  for (let index = 0; index < warmUpCount; index += 1) {
    await store.tasks.insert(makeTask(index, 'warm'));
    insertRaw(makeTask(index, 'warm'));
  }
  for (let index = 0; index < warmUpCount * 5; index += 1) {
    const id = makeTask(index % warmUpCount, 'warm').id;
    if ((await store.tasks.get(id)) === null || readRaw(id) === null) throw new Error('warm-up read missed');
  }

  // Inserts: alternate rounds so that drift in the machine's load hits both sides alike.
  const perRound = Math.ceil(insertCount / rounds);
  const storeInsertMs: number[] = [];
  const rawInsertMs: number[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const tasks = Array.from({ length: perRound }, (_, index) => makeTask(round * perRound + index, 'task'));
    let started = performance.now();
    for (const task of tasks) insertRaw(task);
    rawInsertMs.push(performance.now() - started);
    started = performance.now();
    for (const task of tasks) await store.tasks.insert(task);
    storeInsertMs.push(performance.now() - started);
  }
  const inserted = perRound * rounds;

  const random = pseudoRandom(42);
  const ids = Array.from({ length: readCount }, () => makeTask(Math.floor(random() * inserted), 'task').id);
  const storeReadMs: number[] = [];
  const rawReadMs: number[] = [];
  const perReadRound = Math.ceil(readCount / rounds);
  let found = 0;
  for (let round = 0; round < rounds; round += 1) {
    const slice = ids.slice(round * perReadRound, (round + 1) * perReadRound);
    let started = performance.now();
    for (const id of slice) if (readRaw(id) !== null) found += 1;
    rawReadMs.push(performance.now() - started);
    started = performance.now();
    for (const id of slice) if ((await store.tasks.get(id)) !== null) found += 1;
    storeReadMs.push(performance.now() - started);
  }
  if (found !== readCount * 2) throw new Error(`point reads missed ${readCount * 2 - found} tasks`);

  await store.close();
  raw.close();

  // Ratios from the sums; the per-round medians are printed to show the spread.
  const sum = (values: number[]) => values.reduce((total, value) => total + value, 0);
  const insertRatio = sum(storeInsertMs) / sum(rawInsertMs);
  const readRatio = sum(storeReadMs) / sum(rawReadMs);
  const opsPerSecond = (count: number, ms: number) => Math.round((count / ms) * 1000).toLocaleString('en-US');
  const insertPass = insertRatio <= 2;
  const readPass = readRatio <= 3;

  console.log(
    `# SQLite store vs raw better-sqlite3 (Node ${process.versions.node}, WAL, synchronous NORMAL)`,
  );
  console.log('');
  console.log(
    '| operation | count | store ops/s | raw ops/s | ratio (store/raw time) | median round ratio | target | result |',
  );
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  console.log(
    `| insert task | ${inserted} | ${opsPerSecond(inserted, sum(storeInsertMs))} | ${opsPerSecond(inserted, sum(rawInsertMs))} | ${insertRatio.toFixed(2)} | ${median(storeInsertMs.map((ms, index) => ms / rawInsertMs[index]!)).toFixed(2)} | <= 2 | ${insertPass ? 'PASS' : 'FAIL'} |`,
  );
  console.log(
    `| get task by id | ${readCount} | ${opsPerSecond(readCount, sum(storeReadMs))} | ${opsPerSecond(readCount, sum(rawReadMs))} | ${readRatio.toFixed(2)} | ${median(storeReadMs.map((ms, index) => ms / rawReadMs[index]!)).toFixed(2)} | <= 3 | ${readPass ? 'PASS' : 'FAIL'} |`,
  );
  console.log('');
  console.log(
    `sqlite-store inserts: ratio ${insertRatio.toFixed(2)} (target <= 2): ${insertPass ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `sqlite-store point reads: ratio ${readRatio.toFixed(2)} (target <= 3): ${readPass ? 'PASS' : 'FAIL'}`,
  );
  return insertPass && readPass;
}

try {
  const passed = await main();
  if (!passed) process.exitCode = 1;
} finally {
  rmSync(directory, { recursive: true, force: true });
}
