// Shared setup of the HTTP tests: the real default composition (SQLite file, scrypt, isomorphic-git)
// in a temp data directory, three users, and the API listening on 127.0.0.1 on a free port.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  type AuthSettings,
  createGoosuke,
  createWebCryptoSecretBox,
  type Goosuke,
  type LanguageModelResolver,
  type RunLimits,
} from '@goosuke/core';
import { makeGitRepository } from '@goosuke/core/testing';
import { createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { createOpenAIProvider } from '@goosuke/openai';
import { createScryptPasswordHasher } from '@goosuke/scrypt';
import { createSqliteJobQueue, createSqliteStore, type SqliteStore } from '@goosuke/store-sqlite';
import { createHttpServer, type HttpServer, type HttpServerOptions } from '../src/index.ts';
import { validateResponse, validateRunEventData } from './response-validator.ts';

export const secretKey = 'a-long-enough-master-secret-0123456789abcdef';
export const jwtSecret = 'another-long-jwt-signing-secret-9876543210zyx';
export const password = 'correct horse battery staple';

/** A signed-in test user. */
export interface TestUser {
  id: string;
  username: string;
  token: string;
}

/** A running API over a fresh data directory. */
export interface Harness {
  /** Goosuke on the real stack. */
  goosuke: Goosuke;
  /** The SQLite store Goosuke runs on (tests read it raw, or close it to provoke failures). */
  store: SqliteStore;
  server: HttpServer;
  url: string;
  root: string;
  admin: TestUser;
  alice: TestUser;
  bob: TestUser;
  close(): Promise<void>;
}

/**
 * Starts the API; `options` override the server options (the auth and write rate limits are
 * raised by default), `auth` is given to core (e.g. its per-account sign-in limit) and Goosuke's
 * `limits` (the active runs per user are raised by default: without workers, every run a test
 * starts stays queued). `languageModels` replaces the default resolver (the OpenAI provider for
 * every profile), e.g. to reach another provider's fake.
 */
export async function startHarness(
  options: HttpServerOptions & {
    env?: Record<string, string>;
    auth?: AuthSettings;
    limits?: Partial<RunLimits>;
    languageModels?: LanguageModelResolver;
  } = {},
): Promise<Harness> {
  const { auth, limits, languageModels, ...serverOptions } = options;
  const root = await mkdtemp(path.join(tmpdir(), 'goosuke-'));
  const env = {
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_JWT_SECRET: jwtSecret,
    GOOSUKE_DATA_DIR: path.join(root, 'data'),
    ...options.env,
  };
  // The same stack as the bundled server (SQLite file and queue, isomorphic-git, scrypt, the
  // OpenAI provider), composed here because @goosuke/cli depends on this package.
  const dataDir = env.GOOSUKE_DATA_DIR!;
  await mkdir(dataDir, { recursive: true });
  const store = await createSqliteStore({ database: path.join(dataDir, 'goosuke.db') });
  const queue = await createSqliteJobQueue({ database: store.database, pollIntervalMs: 20 });
  const core = createGoosuke({
    store,
    secretBox: await createWebCryptoSecretBox({ secret: env.GOOSUKE_SECRET_KEY! }),
    passwordHasher: createScryptPasswordHasher({ cost: { N: 1024, r: 8, p: 1 } }),
    jwtSecret: env.GOOSUKE_JWT_SECRET!,
    ...(auth === undefined ? {} : { auth }),
    limits: { maxActiveRunsPerUser: 100_000, ...limits },
    runtime: {
      queue,
      git: createIsomorphicGitBackend({ checkout: 'hardlink' }),
      languageModels:
        languageModels ??
        ((profile, apiKey) =>
          createOpenAIProvider({
            provider: profile.provider === 'openai-compatible' ? 'openai-compatible' : 'openai',
            ...(apiKey === null ? {} : { apiKey }),
            ...(profile.baseUrl === null ? {} : { baseUrl: profile.baseUrl }),
            maxRetries: 0,
          })(profile.modelName, { capabilities: profile.capabilities })),
      layout: {
        cloneDir: (repo) => path.join(dataDir, 'clones', repo.id),
        workingCopyDir: (run) => path.join(dataDir, 'worktrees', run.id),
      },
    },
  });
  const goosuke: Goosuke = {
    ...core,
    async close() {
      await queue.close();
      await core.close();
    },
  };
  const user = async (username: string, role: 'admin' | 'member'): Promise<TestUser> => {
    const created = await goosuke.users.create({ username, password, role });
    const tokens = await goosuke.auth.login({ username, password });
    return { id: created.id, username, token: tokens.accessToken };
  };
  const admin = await user('admin', 'admin');
  const alice = await user('alice', 'member');
  const bob = await user('bob', 'member');
  const server = await createHttpServer(goosuke, {
    port: 0,
    authRateLimit: { limit: 100_000 },
    writeRateLimit: { limit: 100_000 },
    ...serverOptions,
  });
  return {
    goosuke,
    store,
    server,
    url: server.url,
    root,
    admin,
    alice,
    bob,
    async close() {
      await server.close();
      await goosuke.close();
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** What {@link call} returns. */
export interface CallResult {
  status: number;
  headers: Headers;
  text: string;
  /** The parsed body when it is JSON (problem JSON included), else undefined. */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary response shapes
  json: any;
}

/** Options of {@link call}. */
export interface CallOptions {
  token?: string;
  /** Sent as JSON. */
  body?: unknown;
  /** Sent as is (with `contentType`, default application/json). */
  raw?: string | Uint8Array;
  contentType?: string;
  headers?: Record<string, string>;
  /**
   * Whether the response is checked against the OpenAPI document the server serves (default
   * true: a response the document does not describe fails the test).
   */
  validate?: boolean;
}

/** One HTTP request to the API; its response is validated against the served OpenAPI document. */
export async function call(
  base: string,
  method: string,
  url: string,
  options: CallOptions = {},
): Promise<CallResult> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
  let body: string | Uint8Array | undefined;
  if (options.raw !== undefined) {
    body = options.raw;
    headers['content-type'] = options.contentType ?? 'application/json';
  } else if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] = options.contentType ?? 'application/json';
  }
  const response = await fetch(`${base}${url}`, { method: method.toUpperCase(), headers, body });
  const text = await response.text();
  const type = response.headers.get('content-type') ?? '';
  const json = /json/.test(type) && text !== '' ? JSON.parse(text) : undefined;
  if (options.validate !== false) {
    const problems = await validateResponse(base, {
      method,
      url,
      status: response.status,
      contentType: type,
      headers: response.headers,
      text,
    });
    if (problems.length > 0) {
      throw new Error(
        `${method.toUpperCase()} ${url} answered ${response.status}, which the OpenAPI document does not describe:\n${problems.join('\n')}\n${text.slice(0, 2000)}`,
      );
    }
  }
  return { status: response.status, headers: response.headers, text, json };
}

// The server each streamed response came from, so that its events are validated too.
const streamBases = new WeakMap<Response, string>();

/**
 * A request whose body the test reads itself (an event stream): like fetch, and its status,
 * content type and required headers are validated against the served document at once; the
 * events {@link readEvents} reads from it are validated against its RunEvent component.
 */
export async function streamFetch(base: string, url: string, init: RequestInit = {}): Promise<Response> {
  const response = await fetch(`${base}${url}`, init);
  const method = init.method ?? 'get';
  const problems = await validateResponse(base, {
    method,
    url,
    status: response.status,
    contentType: response.headers.get('content-type') ?? '',
    headers: response.headers,
    text: undefined,
  });
  if (problems.length > 0) {
    throw new Error(
      `${method.toUpperCase()} ${url} answered ${response.status}, which the OpenAPI document does not describe:\n${problems.join('\n')}`,
    );
  }
  streamBases.set(response, base);
  return response;
}

/** Asserts-free check used by the tests: is this a problem document with the given status? */
export function isProblem(result: CallResult, status: number): boolean {
  return (
    result.status === status &&
    (result.headers.get('content-type') ?? '').startsWith('application/problem+json') &&
    result.json?.status === status &&
    typeof result.json?.type === 'string' &&
    typeof result.json?.title === 'string' &&
    typeof result.json?.detail === 'string' &&
    typeof result.json?.code === 'string'
  );
}

/** A git repository with one commit of `src/greet.ts`, for runs to edit. */
export async function createGitRepo(root: string): Promise<string> {
  const repo = path.join(root, 'repo');
  await makeGitRepository(repo, { 'src/greet.ts': greet });
  return repo;
}

export const greet = "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n";

/** A model reply that edits `src/greet.ts` with an apply_patch block. */
export function applyPatchReply(summary: string, replacement: string): string {
  return [
    summary,
    '',
    '*** Begin Patch',
    '*** Update File: src/greet.ts',
    '@@',
    ' export function greet(name: string): string {',
    "-  return 'Hello ' + name;",
    `+${replacement}`,
    ' }',
    '*** End Patch',
    '',
  ].join('\n');
}

/** One Server-Sent Event as read by {@link readEvents}. */
export interface SseEvent {
  id: string | null;
  event: string | null;
  data: string;
}

/** Reads an SSE response to its end (the server closes after the terminal event); events of a {@link streamFetch} are validated. */
export async function readEvents(response: Response): Promise<{ events: SseEvent[]; comments: string[] }> {
  const text = await response.text();
  const events: SseEvent[] = [];
  const comments: string[] = [];
  for (const block of text.split('\n\n')) {
    if (block.trim() === '') continue;
    const event: SseEvent = { id: null, event: null, data: '' };
    let isEvent = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else {
        isEvent = true;
        const [field, ...rest] = line.split(': ');
        const value = rest.join(': ');
        if (field === 'id') event.id = value;
        else if (field === 'event') event.event = value;
        else if (field === 'data') event.data += value;
      }
    }
    if (isEvent) events.push(event);
  }
  const base = streamBases.get(response);
  if (base !== undefined) {
    for (const event of events) {
      const problems = await validateRunEventData(base, event.data);
      if (problems.length > 0)
        throw new Error(`event ${event.id} is not a RunEvent:\n${problems.join('\n')}`);
    }
  }
  return { events, comments };
}
