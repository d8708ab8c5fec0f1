import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type FakeGitHubServer, startFakeGitHubServer } from './fake-github-server.ts';

let server: FakeGitHubServer;

beforeEach(async () => {
  server = await startFakeGitHubServer({ basePath: '/api/v3', tokens: ['ghp_t'] });
  server.addRepository({ fullName: 'o/r', branches: Array.from({ length: 5 }, (_, index) => `b${index}`) });
});

afterEach(async () => {
  await server.close();
});

describe('fake GitHub server', () => {
  it('answers 401 without credentials and records the request', async () => {
    const response = await fetch(`${server.url}/repos/o/r`);
    expect(response.status).toBe(401);
    expect(server.requests.at(-1)).toMatchObject({ method: 'GET', path: '/repos/o/r', auth: 'none' });
  });

  it('paginates with absolute Link URLs under the base path', async () => {
    const response = await fetch(`${server.url}/repos/o/r/branches?per_page=4`, {
      headers: { authorization: 'token ghp_t' },
    });
    expect(response.status).toBe(200);
    expect(((await response.json()) as unknown[]).length).toBe(4);
    const link = response.headers.get('link') ?? '';
    const next = /<([^>]+)>; rel="next"/.exec(link)?.[1] ?? '';
    expect(next).toBe(`${server.url}/repos/o/r/branches?per_page=4&page=2`);
    const second = await fetch(next, { headers: { authorization: 'bearer ghp_t' } });
    expect(((await second.json()) as unknown[]).length).toBe(2);
    expect(second.headers.get('link')).not.toContain('rel="next"');
  });

  it('numbers pull requests per repository and refuses a duplicate head', async () => {
    server.addRepository({ fullName: 'o/other', branches: ['b0'] });
    const create = (repository: string) =>
      fetch(`${server.url}/repos/${repository}/pulls`, {
        method: 'POST',
        headers: { authorization: 'token ghp_t', 'content-type': 'application/json' },
        body: JSON.stringify({ head: 'b0', base: 'main', title: 't' }),
      });
    expect(((await (await create('o/r')).json()) as { number: number }).number).toBe(1);
    expect(((await (await create('o/other')).json()) as { number: number }).number).toBe(1);
    const duplicate = await create('o/r');
    expect(duplicate.status).toBe(422);
    expect(JSON.stringify(await duplicate.json())).toContain('A pull request already exists for o:b0.');
  });
});
