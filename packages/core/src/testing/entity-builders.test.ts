import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import {
  accessTokenSchema,
  actionSchema,
  agentDefinitionSchema,
  extensionSchema,
  messageSchema,
  modelProfileSchema,
  pullRequestSchema,
  refreshTokenSchema,
  repoSchema,
  runEventSchema,
  runSchema,
  settingSchema,
  taskSchema,
  templateSchema,
  userSchema,
} from '../domain/index.ts';
import {
  buildAccessToken,
  buildAction,
  buildAgentDefinition,
  buildExtension,
  buildId,
  buildMessage,
  buildModelProfile,
  buildPullRequest,
  buildRefreshToken,
  buildRepo,
  buildRun,
  buildRunEvent,
  buildSetting,
  buildTask,
  buildTemplate,
  buildUser,
} from './entity-builders.ts';

const builders: Array<{ name: string; build: () => Record<string, unknown>; schema: z.ZodType }> = [
  { name: 'buildModelProfile', build: buildModelProfile, schema: modelProfileSchema },
  { name: 'buildRepo', build: buildRepo, schema: repoSchema },
  { name: 'buildTask', build: buildTask, schema: taskSchema },
  { name: 'buildMessage', build: buildMessage, schema: messageSchema },
  { name: 'buildRun', build: buildRun, schema: runSchema },
  { name: 'buildRunEvent', build: buildRunEvent, schema: runEventSchema.omit({ sequence: true }).strict() },
  { name: 'buildPullRequest', build: buildPullRequest, schema: pullRequestSchema },
  { name: 'buildUser', build: buildUser, schema: userSchema },
  { name: 'buildAction', build: buildAction, schema: actionSchema },
  { name: 'buildTemplate', build: buildTemplate, schema: templateSchema },
  { name: 'buildExtension', build: buildExtension, schema: extensionSchema },
  { name: 'buildAgentDefinition', build: buildAgentDefinition, schema: agentDefinitionSchema },
  { name: 'buildSetting', build: buildSetting, schema: settingSchema },
];

/**
 * Fields a builder leaves null: references that can only point at something made after the
 * entity (a task's chosen run is one of its own runs), or at a stored user (who fired the task's
 * action), so that built entities insert as they are.
 */
const nullByDesign: Record<string, readonly string[]> = { buildTask: ['chosenRunId', 'firedBy'] };

describe('entity builders', () => {
  for (const { name, build, schema } of builders) {
    it(`${name} makes a schema-valid entity with every field filled`, () => {
      const entity = build();
      const parsed = schema.safeParse(entity);
      expect(parsed.success, JSON.stringify(parsed.error?.issues)).toBe(true);
      // Nothing dropped by parsing: the builder makes exactly the schema's fields.
      expect(parsed.data).toEqual(entity);
      for (const [field, value] of Object.entries(entity)) {
        if (nullByDesign[name]?.includes(field)) {
          expect(value, `${name}().${field}`).toBeNull();
          continue;
        }
        expect(value, `${name}().${field}`).not.toBeNull();
        expect(value, `${name}().${field}`).not.toBeUndefined();
      }
    });

    it(`${name} makes fresh values on every call`, () => {
      const first = build();
      const second = build();
      const key = 'id' in first ? 'id' : 'key';
      expect(first[key]).not.toBe(second[key]);
      for (const field of ['name', 'url', 'username', 'number'] as const) {
        if (field in first) expect(first[field], field).not.toEqual(second[field]);
      }
      for (const field of ['createdAt', 'updatedAt'] as const) {
        if (field in first) expect(String(second[field]) > String(first[field]), field).toBe(true);
      }
      const nested = Object.values(first).find((value) => typeof value === 'object' && value !== null);
      if (nested !== undefined) {
        expect(Object.values(second).find((value) => typeof value === 'object' && value !== null)).not.toBe(
          nested,
        );
      }
    });
  }

  it('applies overrides over the defaults', () => {
    const task = buildTask({
      id: 'task-x',
      repoId: null,
      archived: true,
      createdAt: '2030-01-01T00:00:00.000Z',
    });
    expect(task).toMatchObject({
      id: 'task-x',
      repoId: null,
      archived: true,
      createdAt: '2030-01-01T00:00:00.000Z',
    });
    expect(taskSchema.safeParse(task).success).toBe(true);
    const pullRequest = buildPullRequest({ number: 7 });
    expect(pullRequest.number).toBe(7);
    expect(pullRequest.url).toMatch(/\/pull\/7$/);
  });

  it('buildAccessToken and buildRefreshToken make live, schema-valid, fresh records', () => {
    for (const [build, schema] of [
      [buildAccessToken, accessTokenSchema],
      [buildRefreshToken, refreshTokenSchema],
    ] as const) {
      const first = build();
      const second = build();
      expect(schema.parse(first)).toEqual(first);
      expect(first.id).not.toBe(second.id);
      expect(second.createdAt > first.createdAt).toBe(true);
      expect(first.expiresAt > first.createdAt).toBe(true);
      expect(first.revokedAt).toBeNull();
    }
    expect(buildAccessToken().lastUsedAt).toBeNull();
    expect(buildRefreshToken().usedAt).toBeNull();
    expect(buildRefreshToken({ familyId: 'family-x' }).familyId).toBe('family-x');
  });

  it('buildId makes unique ids that never look like sequential ids', () => {
    const ids = new Set(Array.from({ length: 100 }, () => buildId('run')));
    expect(ids.size).toBe(100);
    for (const id of ids) expect(id).toMatch(/^run_built_\d{6,}$/);
  });
});
