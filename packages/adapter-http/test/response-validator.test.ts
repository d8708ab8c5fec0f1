// The validator every HTTP test's response goes through must itself refuse what the document
// does not describe, or the suite would prove nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { type Harness, startHarness } from './harness.ts';
import { validateResponse } from './response-validator.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

const problem = JSON.stringify({
  type: 'https://goosuke.dev/problems/unauthorized',
  title: 'Unauthorized',
  status: 401,
  detail: 'no token',
  code: 'unauthorized',
});

describe('the response validator', () => {
  it('accepts a documented response and refuses undocumented statuses, bodies, types and missing headers', async () => {
    const check = (
      status: number,
      text: string,
      headers: Record<string, string> = {},
      contentType = 'application/problem+json',
    ) =>
      validateResponse(harness.url, {
        method: 'get',
        url: `${apiPrefix}/tasks?limit=2`,
        status,
        contentType,
        headers: new Headers(headers),
        text,
      });
    expect(await check(401, problem, { 'www-authenticate': 'Bearer' })).toEqual([]);
    expect(await check(401, problem)).toEqual(['401: no WWW-Authenticate header']);
    expect(await check(418, problem)).toEqual([`get ${apiPrefix}/tasks: status 418 is not documented`]);
    expect(await check(401, problem, { 'www-authenticate': 'Bearer' }, 'text/html')).toEqual([
      '401: content type text/html is not one of application/problem+json',
    ]);
    const wrong = await check(
      200,
      JSON.stringify({ items: [{ id: 1 }] }),
      {
        'cache-control': 'private, no-cache',
      },
      'application/json',
    );
    expect(wrong.length).toBeGreaterThan(0);
    expect(wrong.join('\n')).toContain('/items/0');
  });
});
