import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { type CallResult, call, type Harness, isProblem, startHarness } from './harness.ts';

const envSecret = 'ghp_extension-env-secret-do-not-leak-7a1b';
const headerSecret = 'Bearer extension-header-secret-do-not-leak-3c2d';

let harness: Harness;
// Every response body of this file, to check at the end that no secret ever left the server.
const seen: CallResult[] = [];

beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

async function send(method: string, path: string, as: 'admin' | 'bob', body?: unknown): Promise<CallResult> {
  const token = as === 'admin' ? harness.admin.token : harness.bob.token;
  const result = await call(harness.url, method, `${apiPrefix}${path}`, {
    token,
    ...(body === undefined ? {} : { body }),
  });
  seen.push(result);
  return result;
}

describe('the extensions API', () => {
  it('adds, reads, changes and removes extensions; secrets are write-only', async () => {
    const stdio = await send('post', '/extensions', 'admin', {
      name: 'github',
      type: 'stdio',
      command: 'npx',
      args: ['-y', '@modelcontextprotocol/server-github'],
      env: [{ name: 'GITHUB_TOKEN', value: envSecret, secret: true }],
    });
    expect(stdio.status).toBe(201);
    expect(stdio.json.env).toEqual([{ name: 'GITHUB_TOKEN', value: null, secret: true }]);
    const http = await send('post', '/extensions', 'admin', {
      name: 'search',
      type: 'streamable_http',
      uri: 'https://mcp.example.test/mcp',
      headers: [{ name: 'Authorization', value: headerSecret, secret: true }],
    });
    expect(http.status).toBe(201);

    // Members see them (names, commands, no secret), by id or name; they cannot change them.
    const listed = await send('get', '/extensions', 'bob');
    expect(listed.status).toBe(200);
    expect(listed.json.items.map((item: { name: string }) => item.name)).toEqual(['github', 'search']);
    expect((await send('get', '/extensions/search', 'bob')).json.headers).toEqual([
      { name: 'Authorization', value: null, secret: true },
    ]);
    expect(
      isProblem(await send('post', '/extensions', 'bob', { name: 'x', type: 'stdio', command: 'x' }), 403),
    ).toBe(true);
    expect(isProblem(await send('delete', `/extensions/${stdio.json.id}`, 'bob'), 403)).toBe(true);

    // Bad input is a 4xx problem that says what to fix.
    const wrong = await send('post', '/extensions', 'admin', { name: 'bad', type: 'stdio' });
    expect(isProblem(wrong, 400)).toBe(true);
    expect(wrong.json.detail).toMatch(/needs a command/);
    expect(
      isProblem(
        await send('post', '/extensions', 'admin', { name: 'github', type: 'stdio', command: 'x' }),
        409,
      ),
    ).toBe(true);

    const changed = await send('patch', `/extensions/${stdio.json.id}`, 'admin', {
      description: 'GitHub tools',
      env: [{ name: 'GITHUB_TOKEN', secret: true }],
    });
    expect(changed.status).toBe(200);
    expect(changed.json).toMatchObject({
      description: 'GitHub tools',
      env: [{ name: 'GITHUB_TOKEN', value: null }],
    });
    expect((await send('delete', `/extensions/${stdio.json.id}`, 'admin')).status).toBe(204);
    expect(isProblem(await send('get', `/extensions/${stdio.json.id}`, 'admin'), 404)).toBe(true);

    for (const result of seen) {
      expect(result.text).not.toContain(envSecret);
      expect(result.text).not.toContain(headerSecret);
    }
  });

  it('names extensions on tasks, actions and runs; a run records its set; a disabled one is a 400', async () => {
    const files = await send('post', '/extensions', 'admin', {
      name: 'files-for-runs',
      type: 'stdio',
      command: 'mcp-files',
    });
    const always = await send('post', '/extensions', 'admin', {
      name: 'always-for-runs',
      type: 'stdio',
      command: 'mcp-always',
      alwaysOn: true,
    });
    const off = await send('post', '/extensions', 'admin', {
      name: 'off-for-runs',
      type: 'stdio',
      command: 'mcp-off',
      enabled: false,
    });
    expect([files.status, always.status, off.status]).toEqual([201, 201, 201]);
    const model = await send('post', '/models', 'admin', { provider: 'openai', modelName: 'gpt-4.1' });
    expect(model.status).toBe(201);
    const task = await send('post', '/tasks', 'bob', { title: 'a question', extensionIds: [files.json.id] });
    expect(task.status).toBe(201);
    expect(task.json.task.extensionIds).toEqual([files.json.id]);
    const runs = await send('post', `/tasks/${task.json.task.id}/runs`, 'bob', {
      instruction: 'What is in the files?',
      models: [model.json.id],
    });
    expect(runs.status).toBe(202);
    expect(runs.json.runs[0].extensions).toEqual([
      { id: files.json.id, name: 'files-for-runs', server: null },
      { id: always.json.id, name: 'always-for-runs', server: null },
    ]);
    const refused = await send('post', `/tasks/${task.json.task.id}/runs`, 'bob', {
      instruction: 'Again',
      models: [model.json.id],
      extensionIds: [off.json.id],
    });
    expect(isProblem(refused, 400)).toBe(true);
    expect(refused.json.detail).toMatch(/off-for-runs is disabled/);
    const unknown = await send('post', '/tasks', 'bob', { title: 'x', extensionIds: ['extension_nope'] });
    expect(isProblem(unknown, 400)).toBe(true);

    // An action naming an extension keeps it from being deleted.
    const template = await send('post', '/templates', 'admin', {
      name: 'with-files',
      outputKind: 'text',
      prompt: 'Answer',
    });
    const action = await send('post', '/actions', 'admin', {
      name: 'files-action',
      template: template.json.id,
      trigger: 'manual',
      extensionIds: [files.json.id],
    });
    expect(action.status).toBe(201);
    expect(action.json.action.extensionIds).toEqual([files.json.id]);
    const kept = await send('delete', `/extensions/${files.json.id}`, 'admin');
    expect(isProblem(kept, 409)).toBe(true);
    expect(kept.json.detail).toMatch(/action files-action/);
  });

  it('lists tasks by status, template, trigger and author; each task carries its origin', async () => {
    const template = await send('post', '/templates', 'admin', {
      name: 'origin-ask',
      outputKind: 'text',
      prompt: 'Answer',
    });
    const action = await send('post', '/actions', 'admin', {
      name: 'origin-hook',
      template: template.json.id,
      trigger: 'manual',
    });
    const model = (await send('get', '/models', 'admin')).json.items[0];
    const fired = await send('post', `/actions/${action.json.action.id}/trigger`, 'admin', {
      models: [model.id],
    });
    expect(fired.status).toBe(202);
    const task = fired.json.task;
    expect(task).toMatchObject({ templateId: template.json.id, trigger: 'manual', status: 'active' });
    const ids = (result: CallResult) => result.json.items.map((item: { id: string }) => item.id);
    expect(ids(await send('get', `/tasks?templateId=${template.json.id}`, 'admin'))).toEqual([task.id]);
    expect(
      ids(
        await send('get', `/tasks?trigger=manual&status=active&actionId=${action.json.action.id}`, 'admin'),
      ),
    ).toEqual([task.id]);
    expect(ids(await send('get', `/tasks?status=succeeded&templateId=${template.json.id}`, 'admin'))).toEqual(
      [],
    );
    expect(isProblem(await send('get', '/tasks?status=sleeping', 'admin'), 400)).toBe(true);
    // A member lists their own only; naming another author is refused.
    expect(ids(await send('get', `/tasks?templateId=${template.json.id}`, 'bob'))).toEqual([]);
    expect(isProblem(await send('get', `/tasks?createdBy=${harness.admin.id}`, 'bob'), 403)).toBe(true);
  });
});
