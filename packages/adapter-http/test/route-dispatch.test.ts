import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiPrefix } from '../src/openapi.ts';
import { createRouteDispatcher } from '../src/route-dispatch.ts';
import type { HttpRoute } from '../src/routes/route.ts';

// The dispatcher must serve exactly what Express's router would: the same app is built twice,
// once with the dispatcher in front of the Express routes and once with the Express routes
// alone, and every request must get the same answer from both.
const paths = ['/tasks', '/tasks/{id}', '/tasks/events', '/tasks/{id}/runs', '/runs/{id}/events'];
const methods = ['get', 'post', 'delete'] as const;

function routesAndHandlers(): Array<{ route: HttpRoute; handlers: RequestHandler[] }> {
  return paths.flatMap((path) =>
    methods.map((method) => {
      const route = { method, path, operationId: `${method} ${path}` } as HttpRoute;
      const before: RequestHandler = (_request, response, next) => {
        response.setHeader('x-before', route.operationId);
        next();
      };
      const answer: RequestHandler = async (request, response) => {
        await Promise.resolve();
        if (request.params.id === 'boom') throw new Error('failed');
        response.json({ route: route.operationId, params: request.params });
      };
      return { route, handlers: [before, answer] };
    }),
  );
}

function app(withDispatcher: boolean): express.Express {
  const application = express();
  const chains = routesAndHandlers();
  if (withDispatcher) application.use(createRouteDispatcher(chains));
  // Marks what the dispatcher left to Express, to check that it served every route it should.
  const fellThrough: RequestHandler = (_request, response, next) => {
    response.setHeader('x-fell-through', 'yes');
    next();
  };
  for (const { route, handlers } of chains) {
    const path = apiPrefix + route.path.replace(/\{(\w+)\}/g, ':$1');
    if (withDispatcher) application[route.method](path, fellThrough, ...handlers);
    else application[route.method](path, ...handlers);
  }
  application.use((_request, response) => {
    response.status(404).json({ route: null });
  });
  application.use(
    (error: { status?: number }, _request: express.Request, response: express.Response, _next: unknown) => {
      response.status(error.status ?? 500).json({ error: true });
    },
  );
  return application;
}

const servers: Server[] = [];
const urls: string[] = [];
beforeAll(async () => {
  for (const withDispatcher of [true, false]) {
    const server = await new Promise<Server>((resolve) => {
      const listening = app(withDispatcher).listen(0, '127.0.0.1', () => resolve(listening));
    });
    servers.push(server);
    urls.push(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
  }
});
afterAll(async () => {
  for (const server of servers) {
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }
});

async function answer(base: string, method: string, path: string) {
  const response = await fetch(base + path, { method: method.toUpperCase() });
  return {
    fellThrough: response.headers.get('x-fell-through') !== null,
    status: response.status,
    before: response.headers.get('x-before'),
    allow: response.headers.get('allow'),
    body: await response.text(),
  };
}

describe('the route dispatcher', () => {
  it('answers every request exactly as the Express routes alone do', async () => {
    const cases: Array<[string, string]> = [];
    const samples = [
      `${apiPrefix}/tasks`,
      `${apiPrefix}/tasks/`,
      `${apiPrefix}/TASKS`,
      `${apiPrefix}/tasks/task_1`,
      `${apiPrefix}/Tasks/task_1/`,
      `${apiPrefix}/tasks/task_1//`,
      `${apiPrefix}/tasks//runs`,
      `${apiPrefix}/tasks/events`,
      `${apiPrefix}/tasks/a%20b%2Fc/runs`,
      `${apiPrefix}/tasks/%FF`,
      `${apiPrefix}/tasks/boom`,
      `${apiPrefix}/runs/run_1/events?after=3`,
      `${apiPrefix}/runs/run_1/events/more`,
      `${apiPrefix}/nope`,
      '/api/v2/tasks',
      '/',
    ];
    for (const path of samples) {
      for (const method of ['get', 'head', 'post', 'delete', 'put', 'options']) cases.push([method, path]);
    }
    for (const [method, path] of cases) {
      const [dispatched, plain] = [
        await answer(urls[0]!, method, path),
        await answer(urls[1]!, method, path),
      ];
      expect({ ...dispatched, fellThrough: false }, `${method} ${path}`).toEqual(plain);
      // Only OPTIONS (Express answers it from the routes' methods) is left to Express.
      expect(dispatched.fellThrough, `${method} ${path}`).toBe(method === 'options' && plain.status === 200);
    }
    expect((await answer(urls[0]!, 'get', `${apiPrefix}/tasks/a%20b%2Fc/runs`)).body).toBe(
      JSON.stringify({ route: 'get /tasks/{id}/runs', params: { id: 'a b/c' } }),
    );
  });
});
