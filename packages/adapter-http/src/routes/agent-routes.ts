import { agentNameSchema, agentViewSchema, createAgentInputSchema } from '@goosuke/core';
import { z } from 'zod';
import { type HttpRoute, route } from './route.ts';

// Built-in names and aliases (`gemini-cli`) are looked up as given; the schema only bounds them.
const agentParams = z.object({ name: z.string().min(1).max(40) });

/** What `GET /agents` answers: every agent, built-in first, with whether it is installed here. */
export const agentListSchema = z.object({ items: z.array(agentViewSchema) }).meta({ id: 'AgentList' });

/** Coding agents: which are installed and how to install the others; custom ones (admins). */
export const agentRoutes: readonly HttpRoute[] = [
  route({
    operationId: 'listAgents',
    method: 'get',
    path: '/agents',
    summary: 'List coding agents (built-in and custom) and whether each is installed on the server',
    tag: 'agents',
    operation: 'agents.list',
    status: 200,
    response: agentListSchema,
    handle: async ({ actor }) => ({ items: await actor.agents.list() }),
  }),
  route({
    operationId: 'getAgent',
    method: 'get',
    path: '/agents/{name}',
    summary: 'Get a coding agent by name or alias',
    tag: 'agents',
    operation: 'agents.get',
    params: agentParams,
    status: 200,
    response: agentViewSchema,
    handle: ({ actor, params }) => actor.agents.get(params.name),
  }),
  route({
    operationId: 'createAgent',
    method: 'post',
    path: '/agents',
    summary: 'Add a custom agent: a program speaking the Agent Client Protocol on stdio (admins)',
    tag: 'agents',
    operation: 'agents.create',
    body: createAgentInputSchema,
    status: 201,
    response: agentViewSchema,
    handle: ({ actor, body }) => actor.agents.create(body),
  }),
  route({
    operationId: 'deleteAgent',
    method: 'delete',
    path: '/agents/{name}',
    summary: 'Remove a custom agent (admins)',
    tag: 'agents',
    operation: 'agents.delete',
    params: z.object({ name: agentNameSchema }),
    status: 204,
    handle: ({ actor, params }) => actor.agents.delete(params.name),
  }),
];
