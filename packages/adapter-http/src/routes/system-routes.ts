import { systemHealthSchema } from '@goosuke/core';
import { type HttpRoute, route } from './route.ts';

/**
 * What `GET /health` reports: `status` to anyone (up or degraded); core's whole system health
 * (store, queue, job counts, workers) only to a caller with a valid token.
 */
export const healthSchema = systemHealthSchema.partial().required({ status: true }).meta({
  id: 'Health',
  description: 'Without a valid token only `status`; with one, every part as well.',
});

/** Health: public, no host details. */
export const systemRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'getHealth',
    method: 'get',
    path: '/health',
    summary:
      'Up or degraded; with a valid token also the store, the job queue and the run workers (no host details)',
    tag: 'system',
    optionalAuth: true,
    status: 200,
    response: healthSchema,
    async handle({ goosuke, principal }) {
      const health = await goosuke.system.health();
      // Anonymous callers (load balancers, anyone on the network) learn up or down, no more.
      return principal === null ? { status: health.status } : health;
    },
  }),
];
