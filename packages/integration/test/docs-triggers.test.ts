// docs/triggers.md as a reader uses it: the request bodies of its curl examples are sent, as
// written, to a real server (the placeholders replaced by real ids), and the trigger settings in
// its table are checked against the schemas the server validates them with.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { createHttpServer, type HttpServer } from '@goosuke/adapter-http';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import { actionConfigSchemas } from '@goosuke/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { temporaryDirectory } from './support.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const doc = readFileSync(path.join(root, 'docs', 'triggers.md'), 'utf8');
const password = 'correct horse battery staple';

interface CurlCall {
  method: string;
  /** The path after `$BASE/api/v1`, with its `$VARIABLES`. */
  route: string;
  headers: Record<string, string>;
  body: string;
}

/** Every `curl -X METHOD "$BASE/api/v1/..." ... -d '...'` in the doc's sh blocks, in order. */
function curlCalls(markdown: string): CurlCall[] {
  const blocks = [...markdown.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1]!);
  const calls: CurlCall[] = [];
  for (const block of blocks) {
    for (const command of block.replace(/\\\n/g, ' ').split(/\n(?=curl )/)) {
      const curl = /^curl .*?-X (\w+) "\$BASE\/api\/v1([^"]+)"/s.exec(command.trim());
      const body = /-d '([\s\S]*?)'/.exec(command);
      if (curl === null || body === null) continue;
      const headers = Object.fromEntries(
        [...command.matchAll(/-H '([^:']+): ([^']+)'/g)].map((match) => [match[1]!.toLowerCase(), match[2]!]),
      );
      calls.push({ method: curl[1]!, route: curl[2]!, headers, body: body[1]! });
    }
  }
  return calls;
}

describe('docs/triggers.md', () => {
  let scratch: Awaited<ReturnType<typeof temporaryDirectory>> | undefined;
  let goosuke: DefaultGoosuke | undefined;
  let server: HttpServer | undefined;
  let token = '';
  let modelId = '';

  beforeAll(async () => {
    scratch = await temporaryDirectory('goosuke-docs-triggers-');
    const env = {
      GOOSUKE_SECRET_KEY: 'docs-triggers-master-secret-0123456789ab',
      GOOSUKE_JWT_SECRET: 'docs-triggers-jwt-signing-secret-9876543210',
      GOOSUKE_SCRYPT_COST: 'N=1024,r=8,p=1',
      GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data'),
    };
    goosuke = await createDefaultGoosuke(readDefaultGoosukeConfig(env, scratch.dir), { env: {} });
    await goosuke.users.create({ username: 'admin', password, role: 'admin' });
    token = (await goosuke.auth.login({ username: 'admin', password })).accessToken;
    modelId = (await goosuke.models.create({ provider: 'openai', modelName: 'gpt-4.1' })).id;
    server = await createHttpServer(goosuke, { port: 0 });
  });

  afterAll(async () => {
    await server?.close();
    await goosuke?.close();
    await scratch?.cleanup();
  });

  it('has a template, an action and a trigger example whose bodies the server accepts as written', async () => {
    const calls = curlCalls(doc);
    expect(calls.map((call) => `${call.method} ${call.route}`)).toEqual([
      'POST /templates',
      'POST /actions',
      'POST /actions/$ACTION/trigger',
    ]);
    const variables: Record<string, string> = {};
    const statuses: number[] = [];
    for (const call of calls) {
      // The doc's placeholders: an id elided with "…", and the action created just before.
      const body = call.body.replace(/"model_…"/g, JSON.stringify(modelId));
      const route = call.route.replace(/\$(\w+)/g, (_, name: string) => variables[name] ?? `$${name}`);
      const response = await fetch(`${server!.url}/api/v1${route}`, {
        method: call.method,
        headers: { ...call.headers, authorization: `Bearer ${token}` },
        body,
      });
      const answer = (await response.json()) as { action?: { id: string }; detail?: string };
      expect(response.status, `${call.method} ${call.route}: ${answer.detail ?? ''}`).toBeLessThan(300);
      statuses.push(response.status);
      if (answer.action !== undefined) variables.ACTION = answer.action.id;
    }
    // As the comments under the examples say.
    expect(statuses).toEqual([201, 201, 202]);
    expect(doc).toContain('# 201 { "action": { "id": "action_…", … }, "webhookSecret": "…" }');
  });

  it("has trigger settings in its table that each trigger kind's schema accepts", () => {
    const rows = [...doc.matchAll(/^\| `([a-z-]+)` \| `(\{.*?\})` \|/gm)];
    expect(rows.map((row) => row[1]).sort()).toEqual(Object.keys(actionConfigSchemas).sort());
    for (const [, trigger, config] of rows) {
      const schema = actionConfigSchemas[trigger as keyof typeof actionConfigSchemas];
      const parsed = schema.safeParse(JSON.parse(config!));
      expect(parsed.success, `${trigger}: ${parsed.error?.message ?? ''}`).toBe(true);
    }
  });
});
