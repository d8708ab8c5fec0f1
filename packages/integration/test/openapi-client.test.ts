// A third-party client of the API: TypeScript types generated from the served OpenAPI document
// with openapi-typescript, and a program using openapi-fetch that walks docs/api.md's flow (sign
// in, a personal access token, models, a repository, a task, runs, the stream ticket, reading and
// comparing runs, choosing one with If-Match, a pull request, settings, cancel). The program must
// type-check under `strict`: a schema the generator cannot express (it once emitted JsonValue as
// a type referring to itself, TS2502, and `any`) fails here.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createOpenApiDocument } from '@goosuke/adapter-http';
import openapiTS, { astToString } from 'openapi-typescript';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';

const program = `import createClient from 'openapi-fetch';
import type { components, paths } from './api.ts';

type Schemas = components['schemas'];
type IsAny<T> = 0 extends 1 & T ? true : false;
// Recursive JSON is a real type, not any.
const jsonIsTyped: IsAny<Schemas['JsonValue']> = false;
const json: Schemas['JsonValue'] = { nested: [1, 'two', null, { deeper: [true, [3]] }] };
// @ts-expect-error undefined is not JSON
const notJson: Schemas['JsonValue'] = { nested: [undefined] };

function ok<T>(result: { data?: T; error?: Schemas['Problem'] }): T {
  if (result.data === undefined) throw new Error(result.error?.detail ?? 'no data');
  return result.data;
}

export async function walk(baseUrl: string, password: string): Promise<string> {
  const api = createClient<paths>({ baseUrl });
  const login = await api.POST('/api/v1/auth/login', { body: { username: 'admin', password } });
  if (login.error) {
    const problem: Schemas['Problem'] = login.error;
    throw new Error(problem.detail);
  }
  const headers = { authorization: \`Bearer \${login.data.accessToken}\` };
  const refreshed = ok(await api.POST('/api/v1/auth/refresh', { body: { refreshToken: login.data.refreshToken } }));
  const token = ok(await api.POST('/api/v1/tokens', { headers, body: { name: 'ci', expiresInDays: 90 } }));
  const pat: string = token.token;

  const gpt = ok(
    await api.POST('/api/v1/models', {
      headers,
      body: { provider: 'openai', modelName: 'gpt-4.1', apiKey: 'sk-test' },
    }),
  );
  const repo = ok(await api.POST('/api/v1/repos', { headers, body: { url: 'https://github.com/acme/widgets.git' } }));
  const created = ok(
    await api.POST('/api/v1/tasks', {
      headers,
      params: { header: { 'Idempotency-Key': 'task-1' } },
      body: { repoId: repo.id, title: 'Fold accents in slugs' },
    }),
  );
  const taskId = created.task.id;
  const started = ok(
    await api.POST('/api/v1/tasks/{id}/runs', {
      headers,
      params: { path: { id: taskId }, header: { 'Idempotency-Key': 'runs-1' } },
      body: { instruction: 'Make slugify fold accents', models: [gpt.id] },
    }),
  );
  const runId = started.runIds[0]!;
  const messageId = started.message.id;

  const ticket = ok(await api.POST('/api/v1/auth/stream-ticket', { headers }));
  const streamUrl = \`\${baseUrl}/api/v1/runs/\${runId}/events?ticket=\${ticket.ticket}\`;

  const run = ok(await api.GET('/api/v1/runs/{id}', { headers, params: { path: { id: runId } } }));
  const status: Schemas['RunStatus'] = run.status;
  const comparison = ok(
    await api.GET('/api/v1/tasks/{id}/runs/compare', {
      headers,
      params: { path: { id: taskId }, query: { message: messageId } },
    }),
  );
  // The generated type is the pair the server sends (openapi-fetch widens tuples to arrays).
  const typedPair: Schemas['RunComparison']['sharedFiles'][number]['runIds'] = ['run_a', 'run_b'];
  const pair: [string, string] = typedPair;
  const shared: string[] | undefined = comparison.sharedFiles[0]?.runIds;

  const detail = await api.GET('/api/v1/tasks/{id}', { headers, params: { path: { id: taskId } } });
  const etag = detail.response.headers.get('etag') ?? '*';
  const chosen = ok(
    await api.PUT('/api/v1/tasks/{id}/chosen-run', {
      headers,
      params: { path: { id: taskId }, header: { 'If-Match': etag } },
      body: { runId },
    }),
  );
  const pr = ok(
    await api.POST('/api/v1/tasks/{id}/prs', {
      headers,
      params: { path: { id: taskId } },
      body: { runId, reason: 'smallest diff' },
    }),
  );
  const prs = ok(await api.GET('/api/v1/tasks/{id}/prs', { headers, params: { path: { id: taskId } } }));
  ok(
    await api.POST('/api/v1/tasks/{id}/prs/{prId}/update', {
      headers,
      params: { path: { id: taskId, prId: pr.id } },
      body: { runId },
    }),
  );

  // Fields with defaults are optional in requests: only name and prompt, name, template and trigger.
  const template = ok(await api.POST('/api/v1/templates', { headers, body: { name: 'fix', prompt: 'Fix {{issue}}' } }));
  const action = ok(
    await api.POST('/api/v1/actions', { headers, body: { name: 'by-hand', template: template.id, trigger: 'manual' } }),
  );
  const triggered = ok(
    await api.POST('/api/v1/actions/{id}/trigger', {
      headers,
      params: { path: { id: action.action.id }, header: { 'Idempotency-Key': 'trigger-1' } },
      body: {},
    }),
  );

  ok(await api.PUT('/api/v1/github/config', { headers, body: { token: 'ghp_test' } }));
  const setting = ok(
    await api.PUT('/api/v1/settings/{key}', {
      headers,
      params: { path: { key: 'runs.max-parallel' } },
      body: { value: json, description: 'runs at once' },
    }),
  );
  const settings = ok(await api.GET('/api/v1/settings', { headers }));
  await api.DELETE('/api/v1/settings/{key}', { headers, params: { path: { key: 'runs.max-parallel' } } });

  const canceled = await api.POST('/api/v1/runs/{id}/cancel', { headers, params: { path: { id: runId } } });
  const requested: string | null | undefined = canceled.data?.cancelRequestedAt;
  const limited = canceled.response.headers.get('ratelimit');

  return [
    refreshed.accessToken,
    pat,
    streamUrl,
    status,
    pair.join(),
    shared?.join(),
    chosen.chosenRunId,
    prs.items.length,
    setting.key,
    settings.items.length,
    requested,
    triggered.taskId,
    limited,
    jsonIsTyped,
    notJson,
  ].join();
}
`;

let directory: string | undefined;
afterAll(async () => {
  if (directory !== undefined && !process.env.KEEP) await rm(directory, { recursive: true, force: true });
});

describe('a client generated from the OpenAPI document', () => {
  it('type-checks a program walking docs/api.md under strict, with openapi-fetch', async () => {
    directory = await mkdtemp(path.join(tmpdir(), 'goosuke-client-'));
    // The document as served (the adapter's tests check that the server serves this one).
    const document = JSON.parse(JSON.stringify(createOpenApiDocument()));
    const types = astToString(await openapiTS(document));
    await writeFile(path.join(directory, 'api.ts'), types);
    await writeFile(path.join(directory, 'walk.ts'), program);
    const openapiFetch = path.dirname(path.dirname(fileURLToPath(import.meta.resolve('openapi-fetch'))));
    const compiled = ts.createProgram([path.join(directory, 'walk.ts')], {
      strict: true,
      noEmit: true,
      noUncheckedIndexedAccess: true,
      exactOptionalPropertyTypes: false,
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      moduleResolution: ts.ModuleResolutionKind.Bundler,
      allowImportingTsExtensions: true,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: [],
      skipLibCheck: false,
      paths: { 'openapi-fetch': [openapiFetch] },
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(compiled)
      .map((diagnostic) => ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'))
      .map((message, index, all) => (all.length > 20 && index === 20 ? '…' : message))
      .slice(0, 21);
    expect(diagnostics).toEqual([]);
  });
});
