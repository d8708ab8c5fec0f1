import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix, createOpenApiDocument, httpRoutes } from '../src/index.ts';
import { call, type Harness, startHarness } from './harness.ts';

let harness: Harness;
beforeAll(async () => {
  harness = await startHarness();
});
afterAll(async () => {
  await harness?.close();
});

describe('the OpenAPI document', () => {
  it('matches the committed snapshot', async () => {
    await expect(`${JSON.stringify(createOpenApiDocument(), null, 2)}\n`).toMatchFileSnapshot(
      './fixtures/openapi.json',
    );
  });

  it('has one operation per route, reuses core schema names and marks public routes', () => {
    const document = createOpenApiDocument();
    for (const route of httpRoutes) {
      const operation = document.paths?.[`${apiPrefix}${route.path}`]?.[route.method];
      expect(operation?.operationId, route.operationId).toBe(route.operationId);
      expect(operation?.security, route.operationId).toEqual(
        route.browserSession === 'cookie'
          ? [{ sessionCookie: [] }]
          : route.access === 'public'
            ? []
            : route.acceptsTicket
              ? [{ bearer: [] }, { streamTicket: [] }]
              : [{ bearer: [] }],
      );
    }
    const schemas = Object.keys(document.components?.schemas ?? {});
    for (const name of [
      'LoginInput',
      'CreateModelProfileInput',
      'CreateRepoInput',
      'Task',
      'Run',
      'RunEvent',
      'Problem',
      'User',
      'CreateUserBody',
      'ChangePasswordInput',
      'CreateAccessTokenInput',
      'CreatedAccessToken',
      'Setting',
      'SettingList',
      'SetSettingInput',
    ]) {
      expect(schemas).toContain(name);
    }
  });

  it('is a valid OpenAPI 3.1 document (the OpenAPI Initiative schema)', async () => {
    const validator = new Validator();
    const result = await validator.validate(JSON.parse(JSON.stringify(createOpenApiDocument())));
    expect(result.errors ?? []).toEqual([]);
    expect(result.valid).toBe(true);
    expect(validator.version).toBe('3.1');
  });

  it('is served at /api/v1/openapi.json without a token', async () => {
    const result = await call(harness.url, 'get', '/api/v1/openapi.json');
    expect(result.status).toBe(200);
    expect(result.json).toEqual(JSON.parse(JSON.stringify(createOpenApiDocument())));
  });

  it('serves Swagger UI from local assets with a CSP', async () => {
    const page = await call(harness.url, 'get', '/api/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(page.text).not.toMatch(/https?:\/\//);
    for (const asset of ['swagger-ui.css', 'swagger-ui-bundle.js', 'init.js']) {
      expect(page.text).toContain(`docs/${asset}`);
      const response = await call(harness.url, 'get', `/api/docs/${asset}`);
      expect(response.status, asset).toBe(200);
      expect(response.text.length, asset).toBeGreaterThan(0);
    }
    expect((await call(harness.url, 'get', '/api/docs/init.js')).text).toContain('v1/openapi.json');
  });
});
