// Deeply nested JSON over real HTTP: refused with a 400 problem before it is parsed (it used to
// reach recursive code and end as a 500), in a JSON body and in a signed webhook's body alike.
import { signWebhook } from '@goosuke/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { type CallOptions, type CallResult, call, type Harness, isProblem, startHarness } from './harness.ts';

let harness: Harness;
let strict: Harness;

const api = (base: Harness, method: string, url: string, options: CallOptions = {}): Promise<CallResult> =>
  call(base.url, method, `${apiPrefix}${url}`, options);

/** `depth` arrays inside each other around 1. */
const nestedText = (depth: number) => `${'['.repeat(depth)}1${']'.repeat(depth)}`;

beforeAll(async () => {
  harness = await startHarness();
  strict = await startHarness({ maxJsonDepth: 4 });
});

afterAll(async () => {
  await harness?.close();
  await strict?.close();
});

describe('JSON nesting depth', () => {
  it('refuses 5,000 levels in PUT /settings/{key} with a 400 problem, and keeps 64', async () => {
    const deep = await api(harness, 'put', '/settings/deep', {
      token: harness.admin.token,
      raw: `{"value":${nestedText(5_000)}}`,
    });
    expect(isProblem(deep, 400), deep.text).toBe(true);
    expect(deep.json.detail).toContain('64 levels');
    expect((await api(harness, 'get', '/settings/deep', { token: harness.admin.token })).status).toBe(404);

    const fine = await api(harness, 'put', '/settings/fine', {
      token: harness.admin.token,
      raw: `{"value":${nestedText(63)}}`,
    });
    expect(fine.status, fine.text).toBe(200);
  });

  it('takes its limit from the maxJsonDepth option', async () => {
    const over = await api(strict, 'put', '/settings/over', {
      token: strict.admin.token,
      raw: `{"value":${nestedText(4)}}`,
    });
    expect(isProblem(over, 400), over.text).toBe(true);
    const within = await api(strict, 'put', '/settings/within', {
      token: strict.admin.token,
      raw: `{"value":${nestedText(3)}}`,
    });
    expect(within.status, within.text).toBe(200);
  });

  it("refuses 5,000 levels in a signed webhook's mapped parameter with a 400 problem", async () => {
    const admin = harness.admin.token;
    const template = await api(harness, 'post', '/templates', {
      token: admin,
      body: {
        name: 'deep-hook',
        prompt: 'About {{topic}}.',
        parameters: [{ name: 'topic', type: 'string', required: true }],
      },
    });
    expect(template.status, template.text).toBe(201);
    const action = await api(harness, 'post', '/actions', {
      token: admin,
      body: {
        name: 'deep-hook',
        template: template.json.id,
        trigger: 'webhook',
        parameterMapping: { topic: '$.topic' },
      },
    });
    expect(action.status, action.text).toBe(201);
    const body = `{"topic":${nestedText(5_000)}}`;
    const signature = await signWebhook({
      secret: action.json.webhookSecret,
      body,
      timestamp: Math.floor(Date.now() / 1000),
    });
    const delivered = await api(harness, 'post', `/hooks/${action.json.action.id}`, {
      raw: body,
      headers: { ...signature },
    });
    expect(isProblem(delivered, 400), delivered.text).toBe(true);
    expect(delivered.json.detail).toContain('64 levels');
  });
});
