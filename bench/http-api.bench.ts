// Benchmark: the REST API (@goosuke/adapter-http) on the real stack (`createDefaultGoosuke`:
// SQLite file store and job queue, scrypt, isomorphic-git) in a temp data directory, loaded
// with autocannon over loopback.
//
//   npm run bench -- http-api      (builds first: the bench imports the built packages)
//
// 1. Reads: requests per second of `GET /api/v1/tasks/{id}` with a valid bearer token, once
//    with a login JWT and once with a personal access token (`gsk_`) of the same user (a task
//    with 4 messages and 6 queued runs, about 4.8 KB of JSON), against a bare Express app (the
//    same Express, in the same process, on another port) whose handler sends the exact same
//    body with `res.json`. Each side gets an untimed 2 s warm-up, then the three take turns for
//    5 rounds of 4 s (who goes first rotates); each credential's figure is the median of the
//    rounds' Goosuke rps / bare rps, each ratio from runs of the same round, so that load from
//    other processes on a shared machine shifts both sides of a ratio alike. Target: >= 0.5
//    for each credential.
// 2. Writes: latency of `POST /api/v1/tasks/{id}/runs` (an instruction on 2 model profiles from
//    the task's branch) under 50 concurrent connections for 8 s after a 2 s warm-up, workers not
//    started (the request stores the message and runs and enqueues one job per run; the queue
//    just fills). Target: p99 <= 200 ms, and every response a 202 (any other status, error or
//    timeout fails the bench).
// 3. For scale, not a target: microseconds per `goosuke.auth.authenticate` call in this process
//    (no HTTP), each credential 20,000 calls in turn, 5 rounds, median; wall time and the
//    process's CPU time (all threads). A time, not a ratio: not machine-neutral, but its CPU
//    figure is less disturbed by other processes' load than the HTTP ratios.
//
// The servers run on this process's main thread; autocannon runs in one worker thread
// (`workers: 1`), so on 2 cores the server and the load generator each have a core. With
// autocannon on the server's own thread, its cost per request is added to both sides alike,
// which pulls the ratio towards 1 and flatters the slower side. Exits with code 1 when a
// target is missed.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHttpServer, type HttpServer } from '@goosuke/adapter-http';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import autocannon from 'autocannon';
import express from 'express';
import { median } from './run-fixture.ts';

const readRounds = 5;
const readSeconds = 4;
const warmUpSeconds = 2;
const readConnections = 10;
const writeSeconds = 8;
const writeConnections = 50;
const targetRatio = 0.5;
const targetP99Ms = 200;
const authenticateCalls = 20_000;
const authenticateRounds = 5;

const directory = mkdtempSync(join(tmpdir(), 'goosuke-http-api-bench-'));

/** A repository with one commit on `main`, as tasks need a real repo to start runs from. */
function createRepository(path: string): void {
  mkdirSync(join(path, 'src'), { recursive: true });
  writeFileSync(
    join(path, 'src', 'greet.ts'),
    "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n",
  );
  const env = {
    PATH: process.env.PATH ?? '',
    HOME: directory,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Bench',
    GIT_AUTHOR_EMAIL: 'bench@example.test',
    GIT_COMMITTER_NAME: 'Bench',
    GIT_COMMITTER_EMAIL: 'bench@example.test',
  };
  for (const args of [
    ['init', '-q', '-b', 'main'],
    ['add', '-A'],
    ['commit', '-q', '-m', 'initial'],
  ]) {
    execFileSync('git', args, { cwd: path, env });
  }
}

/** autocannon from a worker thread; throws when it cannot run at all. */
function load(options: autocannon.Options): Promise<autocannon.Result> {
  return autocannon({ workers: 1, ...options });
}

/** Every failure autocannon counts, as one line; empty when there is none. */
function failures(result: autocannon.Result): string {
  const counts = {
    errors: result.errors,
    timeouts: result.timeouts,
    non2xx: result.non2xx,
    resets: result.resets,
    mismatches: result.mismatches,
  };
  return Object.entries(counts)
    .filter(([, count]) => count > 0)
    .map(([name, count]) => `${count} ${name}`)
    .join(', ');
}

let api: HttpServer | null = null;
let bare: Server | null = null;
let closeGoosuke: (() => Promise<void>) | null = null;
try {
  const source = join(directory, 'source');
  createRepository(source);
  const env = {
    GOOSUKE_SECRET_KEY: randomBytes(32).toString('base64url'),
    GOOSUKE_JWT_SECRET: randomBytes(32).toString('base64url'),
    GOOSUKE_SCRYPT_COST: 'N=1024,r=8,p=1',
    GOOSUKE_DATA_DIR: join(directory, 'data'),
    // The write part queues runs without workers: far more than the default 24 per user.
    GOOSUKE_MAX_ACTIVE_RUNS_PER_USER: '100000',
  };
  const goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, directory), {
    env: { OPENAI_API_KEY: 'test-key' },
  });
  closeGoosuke = () => goosuke.close();

  const password = 'correct horse battery staple';
  const user = await goosuke.users.create({ username: 'bench', password, role: 'member' });
  const { accessToken } = await goosuke.auth.login({ username: 'bench', password });
  const { token: personalAccessToken } = await goosuke.tokens.create(user.id, { name: 'bench' });
  const models = await Promise.all(
    ['gpt-4.1', 'gpt-4.1-mini'].map((modelName) =>
      goosuke.models.create({ provider: 'openai', modelName, baseUrl: 'http://127.0.0.1:9/v1' }),
    ),
  );
  const modelIds = models.map((model) => model.id);
  const repo = await goosuke.repos.create({ url: source });
  const { task } = await goosuke.tasks.create({
    repoId: repo.id,
    message: 'Make greet() use a template literal.',
    createdBy: user.id,
  });
  for (const instruction of [
    'Use a template literal in greet().',
    'Also add a JSDoc comment to greet().',
    'Export a default greeting as a constant.',
  ]) {
    await goosuke.runs.create(task.id, { instruction, models: modelIds, createdBy: user.id });
  }

  // Microseconds per authentication of each credential, in process (see 3. above): wall time,
  // and the CPU time of the whole process (every thread, so the thread pool's hashing counts),
  // which other processes' load disturbs less.
  const authenticateUs: Record<'jwt' | 'pat', { wall: number[]; cpu: number[] }> = {
    jwt: { wall: [], cpu: [] },
    pat: { wall: [], cpu: [] },
  };
  for (let round = 0; round < authenticateRounds; round++) {
    for (const [side, token] of [
      ['jwt', accessToken],
      ['pat', personalAccessToken],
    ] as const) {
      await goosuke.auth.authenticate(token);
      const cpu = process.cpuUsage();
      const started = performance.now();
      for (let call = 0; call < authenticateCalls; call++) await goosuke.auth.authenticate(token);
      authenticateUs[side].wall.push(((performance.now() - started) * 1000) / authenticateCalls);
      const used = process.cpuUsage(cpu);
      authenticateUs[side].cpu.push((used.user + used.system) / authenticateCalls);
    }
  }

  api = await createHttpServer(goosuke, {
    port: 0,
    writeRateLimit: { limit: 100_000_000 },
  });
  const taskUrl = `${api.url}/api/v1/tasks/${task.id}`;
  const authorization = `Bearer ${accessToken}`;
  const patAuthorization = `Bearer ${personalAccessToken}`;
  const answer = await fetch(taskUrl, { headers: { authorization } });
  const body = await answer.text();
  if (answer.status !== 200) throw new Error(`GET ${taskUrl} answered ${answer.status}: ${body}`);
  const patAnswer = await fetch(taskUrl, { headers: { authorization: patAuthorization } });
  if ((await patAnswer.text()) !== body) throw new Error('the personal access token gets another body');
  const detail = JSON.parse(body) as { messages: unknown[]; runs: unknown[] };

  // The baseline: the same Express, a handler that only serialises the same object.
  const app = express();
  app.disable('x-powered-by');
  app.get('/api/v1/tasks/:id', (_request, response) => {
    response.json(detail);
  });
  bare = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(0, '127.0.0.1', (error?: Error) => {
      if (error) reject(error);
      else resolve(listening);
    });
  });
  const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/api/v1/tasks/${task.id}`;
  const bareBody = await (await fetch(bareUrl)).text();
  if (bareBody !== body) throw new Error('the bare handler does not send the same body');
  console.log(
    `load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(', ')} at the start`,
  );
  console.log(
    `GET /api/v1/tasks/{id}: ${body.length} bytes (${detail.messages.length} messages, ${detail.runs.length} runs)`,
  );

  const read = (url: string, seconds: number, headers: Record<string, string> = {}) =>
    load({ url, headers, connections: readConnections, duration: seconds });
  const sides = {
    jwt: () => read(taskUrl, readSeconds, { authorization }),
    pat: () => read(taskUrl, readSeconds, { authorization: patAuthorization }),
    bare: () => read(bareUrl, readSeconds),
  };
  type Side = keyof typeof sides;
  const sideNames = Object.keys(sides) as Side[];
  await read(taskUrl, warmUpSeconds, { authorization });
  await read(taskUrl, warmUpSeconds, { authorization: patAuthorization });
  await read(bareUrl, warmUpSeconds);
  const rps: Record<Side, number[]> = { jwt: [], pat: [], bare: [] };
  const ratios: Record<'jwt' | 'pat', number[]> = { jwt: [], pat: [] };
  const readRows: string[] = [];
  for (let round = 1; round <= readRounds; round++) {
    // Rotating which side goes first evens out drift (thermal, other load) over the rounds.
    const order = sideNames.map((_, index) => sideNames[(index + round - 1) % sideNames.length]!);
    const measured = {} as Record<Side, autocannon.Result>;
    for (const side of order) {
      measured[side] = await sides[side]();
      const failed = failures(measured[side]);
      if (failed !== '') throw new Error(`GET on the ${side} side: ${failed}`);
    }
    for (const side of sideNames) rps[side].push(measured[side].requests.average);
    const theirs = measured.bare.requests.average;
    ratios.jwt.push(measured.jwt.requests.average / theirs);
    ratios.pat.push(measured.pat.requests.average / theirs);
    readRows.push(
      `| ${round} | ${Math.round(measured.jwt.requests.average)} | ${measured.jwt.latency.p99} | ${Math.round(measured.pat.requests.average)} | ${measured.pat.latency.p99} | ${Math.round(theirs)} | ${measured.bare.latency.p99} | ${ratios.jwt.at(-1)!.toFixed(3)} | ${ratios.pat.at(-1)!.toFixed(3)} |`,
    );
  }
  const ratio = median(ratios.jwt);
  const patRatio = median(ratios.pat);

  const runsUrl = `${taskUrl}/runs`;
  const write = (seconds: number) =>
    load({
      url: runsUrl,
      method: 'POST',
      headers: { authorization, 'content-type': 'application/json' },
      body: JSON.stringify({
        instruction: 'Rename greet() to sayHello() and update its callers.',
        models: modelIds,
        baseRef: 'main',
      }),
      connections: writeConnections,
      duration: seconds,
    });
  const warmUp = await write(warmUpSeconds);
  const posted = await write(writeSeconds);
  const writeFailures = [failures(warmUp), failures(posted)].filter((text) => text !== '').join('; ');
  const statuses = Object.keys(posted.statusCodeStats).join(', ');
  const queued = await goosuke.runs.list({ taskId: task.id, limit: 1 });
  if (queued.items.length === 0) throw new Error('no run was stored');

  console.log('');
  console.log(
    `| GET round (${readConnections} connections, ${readSeconds} s) | JWT rps | JWT p99 ms | PAT rps | PAT p99 ms | bare Express rps | bare p99 ms | JWT ratio | PAT ratio |`,
  );
  console.log('| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const row of readRows) console.log(row);
  console.log(
    `| median | ${Math.round(median(rps.jwt))} | | ${Math.round(median(rps.pat))} | | ${Math.round(median(rps.bare))} | | ${ratio.toFixed(3)} | ${patRatio.toFixed(3)} |`,
  );
  console.log('');
  console.log(
    `| POST /tasks/{id}/runs (${writeConnections} connections, ${writeSeconds} s) | requests | rps | p50 ms | p90 ms | p99 ms | max ms | statuses |`,
  );
  console.log('| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- |');
  console.log(
    `| ${modelIds.length} runs each, workers stopped | ${posted.requests.total} | ${Math.round(posted.requests.average)} | ${posted.latency.p50} | ${posted.latency.p90} | ${posted.latency.p99} | ${posted.latency.max} | ${statuses} |`,
  );
  console.log('');

  const usList = (values: number[]) => values.map((us) => us.toFixed(1)).join(', ');
  console.log(
    `| goosuke.auth.authenticate, in process (${authenticateCalls} calls x ${authenticateRounds} rounds) | wall us per call, median (rounds) | CPU us per call, median (rounds) |`,
  );
  console.log('| --- | ---: | ---: |');
  for (const side of ['jwt', 'pat'] as const) {
    const { wall, cpu } = authenticateUs[side];
    console.log(
      `| ${side === 'jwt' ? 'login JWT' : 'personal access token'} | ${median(wall).toFixed(1)} (${usList(wall)}) | ${median(cpu).toFixed(1)} (${usList(cpu)}) |`,
    );
  }
  console.log('');

  const readPass = ratio >= targetRatio;
  const patReadPass = patRatio >= targetRatio;
  const latencyPass = posted.latency.p99 <= targetP99Ms;
  const statusPass = writeFailures === '' && statuses === '202';
  console.log(
    `http-api: GET /tasks/{id} with a login JWT, rps vs bare Express ${ratio.toFixed(3)} (target >= ${targetRatio}): ${readPass ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `http-api: GET /tasks/{id} with a personal access token, rps vs bare Express ${patRatio.toFixed(3)} (target >= ${targetRatio}): ${patReadPass ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `http-api: load average ${loadavg()
      .map((load) => load.toFixed(2))
      .join(', ')} at the end`,
  );
  console.log(
    `http-api: POST /tasks/{id}/runs p99 ${posted.latency.p99} ms under ${writeConnections} connections (target <= ${targetP99Ms} ms): ${latencyPass ? 'PASS' : 'FAIL'}`,
  );
  console.log(
    `http-api: POST /tasks/{id}/runs answers 202 only: ${statusPass ? 'PASS' : `FAIL (${writeFailures || `statuses ${statuses}`})`}`,
  );
  process.exitCode = readPass && patReadPass && latencyPass && statusPass ? 0 : 1;
} finally {
  await api?.close();
  if (bare !== null) {
    const server = bare;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
  await closeGoosuke?.();
  rmSync(directory, { recursive: true, force: true });
}
