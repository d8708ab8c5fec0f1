import { describe, expect, it } from 'vitest';
import { type JsonValue, runEventSchema, type Setting, settingSchema } from '../domain/index.ts';
import type { NewRunEvent } from '../ports/index.ts';
import { expectRejectsWith } from './conformance-assertions.ts';
import { buildRunEvent } from './entity-builders.ts';
import { type StoreTestContext, scribble } from './store-conformance-entity-tests.ts';
import {
  lateTimestamp,
  nestedJsonSample,
  orderedTimestamps,
  seedGraph,
  seedTask,
  unicodeSample,
} from './store-conformance-graph.ts';

// Shared by the store conformance suite; not exported from the package.

const runEventFields = Object.keys(runEventSchema.shape).sort();
const settingFields = Object.keys(settingSchema.shape).sort();

function sequencesOf(events: ReadonlyArray<{ sequence: number }>): number[] {
  return events.map((event) => event.sequence);
}

function oneTo(count: number): number[] {
  return Array.from({ length: count }, (_, index) => index + 1);
}

/** Registers the tests of the run event log. */
export function describeRunEventLog(context: StoreTestContext): void {
  describe('runEvents', () => {
    it('append assigns 1, 2, 3 and returns the event with every field intact', async () => {
      const store = context.store();
      const { run } = await seedGraph(store);
      const inputs: NewRunEvent[] = [
        buildRunEvent({ runId: run.id, data: nestedJsonSample, message: unicodeSample }),
        buildRunEvent({ runId: run.id, type: 'run-started', level: 'debug', message: '', data: {} }),
        buildRunEvent({
          runId: run.id,
          type: 'run-failed',
          level: 'error',
          data: { list: [null, { a: [] }] },
        }),
      ];
      const appended = [];
      for (const [index, input] of inputs.entries()) {
        const original = structuredClone(input);
        const event = await store.runEvents.append(input);
        expect(event).toEqual({ ...original, sequence: index + 1 });
        expect(Object.keys(event).sort()).toEqual(runEventFields);
        appended.push(event);
      }
      const listed = await store.runEvents.list({ runId: run.id });
      expect(listed).toEqual(appended);
      for (const event of listed) expect(Object.keys(event).sort()).toEqual(runEventFields);
    });

    it('sequences count per run, independently of other runs', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const other = await seedTask(store, graph);
      const first = graph.run.id;
      const second = other.run.id;
      const got: Array<[string, number]> = [];
      for (const runId of [first, second, first, first, second, first]) {
        const event = await store.runEvents.append(buildRunEvent({ runId }));
        got.push([runId, event.sequence]);
      }
      expect(got).toEqual([
        [first, 1],
        [second, 1],
        [first, 2],
        [first, 3],
        [second, 2],
        [first, 4],
      ]);
      expect(sequencesOf(await store.runEvents.list({ runId: first }))).toEqual([1, 2, 3, 4]);
      expect(sequencesOf(await store.runEvents.list({ runId: second }))).toEqual([1, 2]);
      for (const event of await store.runEvents.list({ runId: second })) expect(event.runId).toBe(second);
    });

    it('list returns the events after afterSequence (exclusive), at most limit, in sequence order', async () => {
      const store = context.store();
      const { run } = await seedGraph(store);
      for (let index = 0; index < 7; index += 1)
        await store.runEvents.append(buildRunEvent({ runId: run.id }));
      const list = (afterSequence?: number, limit?: number) =>
        store.runEvents
          .list({
            runId: run.id,
            ...(afterSequence === undefined ? {} : { afterSequence }),
            ...(limit === undefined ? {} : { limit }),
          })
          .then(sequencesOf);
      expect(await list()).toEqual(oneTo(7));
      expect(await list(0)).toEqual(oneTo(7));
      expect(await list(2, 3)).toEqual([3, 4, 5]);
      expect(await list(5)).toEqual([6, 7]);
      expect(await list(5, 10)).toEqual([6, 7]);
      expect(await list(7)).toEqual([]);
      expect(await list(100)).toEqual([]);
      expect(await list(undefined, 1)).toEqual([1]);
    });

    it('order is by sequence, whatever the createdAt values', async () => {
      const store = context.store();
      const { run } = await seedGraph(store);
      const timestamps = [lateTimestamp, ...orderedTimestamps].reverse();
      for (const createdAt of timestamps)
        await store.runEvents.append(buildRunEvent({ runId: run.id, createdAt }));
      const listed = await store.runEvents.list({ runId: run.id });
      expect(sequencesOf(listed)).toEqual(oneTo(timestamps.length));
      expect(listed.map((event) => event.createdAt)).toEqual(timestamps);
    });

    it('a run without events, or an unknown run, lists nothing', async () => {
      const store = context.store();
      const { run } = await seedGraph(store);
      expect(await store.runEvents.list({ runId: run.id })).toEqual([]);
      expect(await store.runEvents.list({ runId: 'missing-run', afterSequence: 0, limit: 10 })).toEqual([]);
    });

    it('list returns at most 500 events by default', async () => {
      const store = context.store();
      const { run } = await seedGraph(store);
      await store.transaction(async (transaction) => {
        for (let index = 0; index < 501; index += 1) {
          await transaction.runEvents.append(buildRunEvent({ runId: run.id }));
        }
      });
      const first = await store.runEvents.list({ runId: run.id });
      expect(sequencesOf(first)).toEqual(oneTo(500));
      expect(sequencesOf(await store.runEvents.list({ runId: run.id, afterSequence: 500 }))).toEqual([501]);
    });

    it('concurrent appends get unique sequences without gaps, per run', async () => {
      const store = context.store();
      const graph = await seedGraph(store);
      const other = await seedTask(store, graph);
      const runIds = [graph.run.id, other.run.id];
      const appended = await Promise.all(
        Array.from({ length: 100 }, (_, index) =>
          store.runEvents.append(buildRunEvent({ runId: runIds[index % 2]! })),
        ),
      );
      for (const runId of runIds) {
        const mine = appended.filter((event) => event.runId === runId);
        expect(mine).toHaveLength(50);
        expect(sequencesOf(mine).sort((a, b) => a - b)).toEqual(oneTo(50));
        const listed = await store.runEvents.list({ runId });
        expect(sequencesOf(listed)).toEqual(oneTo(50));
        expect(new Set(listed.map((event) => event.id))).toEqual(new Set(mine.map((event) => event.id)));
      }
    });

    it('appending a taken event id is a ConflictError and uses up no sequence', async () => {
      const store = context.store();
      const { run } = await seedGraph(store);
      const first = await store.runEvents.append(buildRunEvent({ runId: run.id }));
      await expectRejectsWith(
        () => store.runEvents.append(buildRunEvent({ runId: run.id, id: first.id })),
        'conflict',
      );
      const second = await store.runEvents.append(buildRunEvent({ runId: run.id }));
      expect(second.sequence).toBe(2);
      expect(await store.runEvents.list({ runId: run.id })).toEqual([first, second]);
    });

    it('events are copies: mutating inputs or results never changes the log', async () => {
      const store = context.store();
      const { run } = await seedGraph(store);
      const input = buildRunEvent({ runId: run.id, data: structuredClone(nestedJsonSample) });
      const original = structuredClone(input);
      const appended = await store.runEvents.append(input);
      scribble(input);
      scribble(appended);
      scribble(await store.runEvents.list({ runId: run.id }));
      expect(await store.runEvents.list({ runId: run.id })).toEqual([{ ...original, sequence: 1 }]);
    });
  });
}

/** Registers the tests of settings. */
export function describeSettings(context: StoreTestContext): void {
  describe('settings', () => {
    it('get of a missing key is null and list of none is empty', async () => {
      expect(await context.store().settings.get('missing.key')).toBeNull();
      expect(await context.store().settings.list()).toEqual([]);
    });

    it('set stores any JSON value and get reads it back intact', async () => {
      const { settings } = context.store();
      const values: JsonValue[] = [
        nestedJsonSample,
        null,
        0,
        '',
        false,
        true,
        [],
        {},
        unicodeSample,
        12.5,
        [[1], { a: null }],
      ];
      for (const [index, value] of values.entries()) {
        const setting: Setting = {
          key: `sample.value-${index}`,
          value,
          secret: false,
          description: index % 2 === 0 ? null : `${unicodeSample} ${index}`,
          updatedAt: orderedTimestamps[index % 6]!,
        };
        const original = structuredClone(setting);
        const stored = await settings.set(setting);
        expect(stored, `set ${JSON.stringify(value)}`).toEqual(original);
        expect(Object.keys(stored).sort()).toEqual(settingFields);
        const read = await settings.get(setting.key);
        expect(read, `get ${JSON.stringify(value)}`).toEqual(original);
        expect(Object.keys(read ?? {}).sort()).toEqual(settingFields);
      }
    });

    it('keeps the secret flag and the envelope string of a secret as given', async () => {
      const { settings } = context.store();
      // Stores never seal or open: a secret's value arrives as an envelope and leaves as one.
      const secret: Setting = {
        key: 'discord.bot-token',
        value: 'gsb1.key-id.bm9uY2U.Y2lwaGVydGV4dA',
        secret: true,
        description: 'the Discord bot token',
        updatedAt: orderedTimestamps[1],
      };
      const plain: Setting = {
        key: 'discord.prefix',
        value: 'secret',
        secret: false,
        description: null,
        updatedAt: orderedTimestamps[2],
      };
      expect(await settings.set(structuredClone(secret))).toEqual(secret);
      expect(await settings.set(structuredClone(plain))).toEqual(plain);
      expect(await settings.get(secret.key)).toEqual(secret);
      expect(await settings.get(plain.key)).toEqual(plain);
      expect((await settings.list()).map((setting) => [setting.key, setting.secret])).toEqual([
        ['discord.bot-token', true],
        ['discord.prefix', false],
      ]);
    });

    it('set replaces every field of an existing key, the secret flag and description too', async () => {
      const { settings } = context.store();
      await settings.set({
        key: 'feature.flag',
        value: { on: true, list: [1, 2] },
        secret: false,
        description: 'before',
        updatedAt: orderedTimestamps[0],
      });
      const replaced = await settings.set({
        key: 'feature.flag',
        value: ['replaced'],
        secret: false,
        description: null,
        updatedAt: lateTimestamp,
      });
      expect(replaced).toEqual({
        key: 'feature.flag',
        value: ['replaced'],
        secret: false,
        description: null,
        updatedAt: lateTimestamp,
      });
      expect(await settings.get('feature.flag')).toEqual(replaced);
      const sealed = await settings.set({
        ...replaced,
        value: 'envelope',
        secret: true,
        description: 'now secret',
      });
      expect(await settings.get('feature.flag')).toEqual(sealed);
      expect(sealed.secret).toBe(true);
      const unsealed = await settings.set({ ...sealed, value: 3, secret: false });
      expect(await settings.list()).toEqual([unsealed]);
      expect(unsealed).toMatchObject({ value: 3, secret: false, description: 'now secret' });
    });

    it('set refuses an invalid setting and stores nothing', async () => {
      const { settings } = context.store();
      const valid: Setting = {
        key: 'valid.key',
        value: 1,
        secret: false,
        description: null,
        updatedAt: lateTimestamp,
      };
      const invalid: unknown[] = [
        { ...valid, key: 'Upper.Case' },
        { ...valid, key: '' },
        { ...valid, secret: 'yes' },
        { ...valid, description: 'x'.repeat(501) },
        { ...valid, updatedAt: 'yesterday' },
      ];
      for (const setting of invalid) {
        await expectRejectsWith(() => settings.set(setting as Setting), 'invalid_input');
      }
      expect(await settings.list()).toEqual([]);
    });

    it('list gives every setting, ordered by key', async () => {
      const { settings } = context.store();
      const keys = ['zeta', 'm10', 'alpha.beta', 'm2', 'alpha', 'beta', 'alpha.alpha', 'm1'];
      for (const [index, key] of keys.entries()) {
        await settings.set({
          key,
          value: index,
          secret: index % 3 === 0,
          description: null,
          updatedAt: orderedTimestamps[index % 6]!,
        });
      }
      const listed = await settings.list();
      expect(listed.map((setting) => setting.key)).toEqual([
        'alpha',
        'alpha.alpha',
        'alpha.beta',
        'beta',
        'm1',
        'm10',
        'm2',
        'zeta',
      ]);
      for (const setting of listed) {
        expect(setting.value).toBe(keys.indexOf(setting.key));
        expect(setting.secret).toBe(keys.indexOf(setting.key) % 3 === 0);
      }
    });

    it('delete returns true once, then false, and removes only that key', async () => {
      const { settings } = context.store();
      const kept: Setting = {
        key: 'kept',
        value: 2,
        secret: true,
        description: 'x',
        updatedAt: lateTimestamp,
      };
      await settings.set({
        key: 'doomed',
        value: 1,
        secret: true,
        description: null,
        updatedAt: lateTimestamp,
      });
      await settings.set(kept);
      expect(await settings.delete('doomed')).toBe(true);
      expect(await settings.get('doomed')).toBeNull();
      expect(await settings.delete('doomed')).toBe(false);
      expect(await settings.delete('never.set')).toBe(false);
      expect(await settings.list()).toEqual([kept]);
    });

    it('settings are copies: mutating inputs or results never changes what is stored', async () => {
      const { settings } = context.store();
      const input: Setting = {
        key: 'copy.check',
        value: structuredClone(nestedJsonSample),
        secret: false,
        description: 'copied',
        updatedAt: lateTimestamp,
      };
      const original = structuredClone(input);
      const stored = await settings.set(input);
      scribble(input);
      scribble(stored);
      scribble(await settings.get('copy.check'));
      scribble(await settings.list());
      expect(await settings.get('copy.check')).toEqual(original);
    });
  });
}
