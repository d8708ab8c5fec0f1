import { systemHealthSchema } from '@goosuke/core';
import { type HttpRoute, route } from './route.ts';

/** What `GET /health` reports: core's system health (store, queue, job counts, workers). */
export const healthSchema = systemHealthSchema;

/** Health: public, no host details. */
export const systemRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'getHealth',
    method: 'get',
    path: '/health',
    summary: 'The health of the store, the job queue and the run workers (no host details)',
    tag: 'system',
    status: 200,
    response: healthSchema,
    handle: ({ goosuke }) => goosuke.system.health(),
  }),
];
