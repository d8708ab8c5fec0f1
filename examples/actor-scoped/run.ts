// One Goosuke, several people: `goosuke.as(user)` is Goosuke as that user may use it. Every rule of
// who may see and do what lives in core's access policy, and the HTTP API applies the same rules
// because its routes call the same actor-scoped facade.
//
//   node examples/actor-scoped/run.ts
//
// It creates an admin and two members (alice, bob) and a repository in a throwaway data directory,
// lets alice create a task, then checks that bob cannot see it (not found, and absent from his
// list) while alice and the admin can; then the same through the HTTP API on 127.0.0.1. Each check
// prints one line; the exit code is 0 when every check held, 1 otherwise.
// Node runs this file as is (it strips the types), on the built packages: run `npm run build` first.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createHttpServer } from '@goosuke/adapter-http';
import { createDefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import { GoosukeError, type User } from '@goosuke/core';

const dataDir = await mkdtemp(path.join(os.tmpdir(), 'goosuke-actors-'));
const config = readDefaultGoosukeConfig(
  {
    GOOSUKE_DATA_DIR: dataDir,
    GOOSUKE_SECRET_KEY: randomBytes(32).toString('base64url'),
    GOOSUKE_JWT_SECRET: randomBytes(32).toString('base64url'),
    // Fast password hashes: this data directory is thrown away at the end.
    GOOSUKE_SCRYPT_COST: 'N=1024,r=8,p=1',
  },
  process.cwd(),
);
const goosuke = await createDefaultGoosuke(config);
const password = 'correct horse battery staple';
let failures = 0;

/** Prints one check and counts it when it did not hold. */
function check(held: boolean, what: string): void {
  console.log(`${held ? 'ok  ' : 'FAIL'}  ${what}`);
  if (!held) failures++;
}

/** The GoosukeError code a promise rejects with, or null when it resolves. */
async function codeOf(promise: Promise<unknown>): Promise<string | null> {
  try {
    await promise;
    return null;
  } catch (error) {
    if (GoosukeError.isInstance(error)) return error.code;
    throw error;
  }
}

try {
  // The system view (the facade without `as`) is trusted code: here it sets the instance up.
  const admin = await goosuke.users.create({ username: 'admin', password, role: 'admin' });
  const alice = await goosuke.users.create({ username: 'alice', password });
  const bob = await goosuke.users.create({ username: 'bob', password });
  const repo = await goosuke.repos.create({ url: 'https://github.com/acme/widgets.git' });
  const model = await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' });

  // Alice's task: she is its author because she is the actor, never because an input says so.
  const { task } = await goosuke.as(alice).tasks.create({ repoId: repo.id, title: "Alice's change" });
  check(task.createdBy === alice.id, `alice created task ${task.id}`);

  const sees = async (user: User): Promise<boolean> =>
    (await codeOf(goosuke.as(user).tasks.get(task.id))) === null;
  const lists = async (user: User): Promise<boolean> =>
    (await goosuke.as(user).tasks.list({ repoId: repo.id })).items.some((each) => each.id === task.id);

  check((await codeOf(goosuke.as(bob).tasks.get(task.id))) === 'not_found', 'bob: the task is not found');
  check(!(await lists(bob)), "bob: the task is absent from bob's list");
  check(await sees(alice), 'alice: sees her task');
  check(await lists(alice), 'alice: lists her task');
  check(await sees(admin), 'admin: sees the task');
  check(await lists(admin), 'admin: lists the task');
  check(
    (await codeOf(goosuke.as(bob).runs.create(task.id, { instruction: 'x', models: [model.id] }))) ===
      'not_found',
    'bob: cannot start runs on it (not found either)',
  );

  // The same over HTTP: the routes call the same facade with the signed-in caller as the actor.
  const server = await createHttpServer(goosuke, { port: 0 });
  try {
    const signIn = async (username: string): Promise<string> => {
      const response = await fetch(`${server.url}/api/v1/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      return ((await response.json()) as { accessToken: string }).accessToken;
    };
    const get = async (username: string, url: string) => {
      const response = await fetch(`${server.url}/api/v1${url}`, {
        headers: { authorization: `Bearer ${await signIn(username)}` },
      });
      return { status: response.status, body: (await response.json()) as { items?: Array<{ id: string }> } };
    };
    check((await get('bob', `/tasks/${task.id}`)).status === 404, 'HTTP bob: GET /tasks/{id} is 404');
    const bobList = await get('bob', `/tasks?repoId=${repo.id}`);
    check(
      bobList.status === 200 && !(bobList.body.items ?? []).some((each) => each.id === task.id),
      'HTTP bob: the task is absent from GET /tasks',
    );
    check((await get('alice', `/tasks/${task.id}`)).status === 200, 'HTTP alice: GET /tasks/{id} is 200');
    check((await get('admin', `/tasks/${task.id}`)).status === 200, 'HTTP admin: GET /tasks/{id} is 200');
    const adminList = await get('admin', `/tasks?repoId=${repo.id}`);
    check(
      (adminList.body.items ?? []).some((each) => each.id === task.id),
      'HTTP admin: the task is in GET /tasks',
    );
  } finally {
    await server.close();
  }
} finally {
  await goosuke.close();
  await rm(dataDir, { recursive: true, force: true });
}
console.log(failures === 0 ? 'every check held' : `${failures} checks did not hold`);
process.exitCode = failures === 0 ? 0 : 1;
