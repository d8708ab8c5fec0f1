import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/index.ts';
import { call, type Harness, startHarness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

/** Every URL a page loads from (script and image sources, stylesheet and other links). */
function loadedUrls(html: string): string[] {
  return [...html.matchAll(/\b(?:src|href|spec-url)\s*=\s*"([^"]*)"/g)].map((match) => match[1]!);
}

describe('the documentation pages', () => {
  it('serves ReDoc at /api/redoc from local assets, with the spec URL and a strict CSP', async () => {
    const page = await call(harness.url, 'get', '/api/redoc');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const urls = loadedUrls(page.text);
    expect(urls).toContain(`${apiPrefix}/openapi.json`);
    const script = urls.find((url) => url.startsWith('/api/redoc/redoc.standalone.js'));
    expect(script, page.text).toMatch(/^\/api\/redoc\/redoc\.standalone\.js\?v=[0-9a-f]{16}$/);
    for (const url of urls) expect(url, 'a same-origin path').toMatch(/^\/(?!\/)/);
    expect(page.text).not.toMatch(/https?:\/\//);

    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain('worker-src blob:');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toMatch(/https?:|\*/);
    expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);

    const bundle = await fetch(`${harness.url}${script}`);
    expect(bundle.status).toBe(200);
    expect(bundle.headers.get('content-type')).toMatch(/^application\/javascript/);
    expect(bundle.headers.get('cache-control')).toContain('immutable');
    const served = Buffer.from(await bundle.arrayBuffer());
    const original = await readFile(
      createRequire(import.meta.url).resolve('redoc/bundles/redoc.standalone.js'),
    );
    expect(served.equals(original)).toBe(true);

    const document = await call(harness.url, 'get', `${apiPrefix}/openapi.json`);
    expect(document.status).toBe(200);
    expect(document.json.info.description).toContain('/api/redoc');
  });

  it('serves Swagger UI at /api/docs from local assets too', async () => {
    const page = await call(harness.url, 'get', '/api/docs');
    expect(page.status).toBe(200);
    const urls = loadedUrls(page.text);
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) expect(url, 'a relative URL').not.toMatch(/^(?:[a-z]+:)?\/\//i);
    for (const url of urls) {
      const asset = await fetch(new URL(url, `${harness.url}/api/docs`));
      expect(asset.status, url).toBe(200);
    }
  });
});
