import path from 'node:path';
import type { Run, Task } from '@goosuke/core';
import { buildMessage, buildRepo, buildRun, buildTask } from '@goosuke/core/testing';
import { createSqliteStore } from '@goosuke/store-sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { type MainRun, removeTemporaryDirectories, runMain, temporaryDirectory } from '../../test/helpers.ts';

afterEach(removeTemporaryDirectories);

const secretKey = 'a-long-enough-master-secret-for-tasks-0123456789';

interface Seeded {
  goosuke(argv: string[]): Promise<MainRun>;
  /** The task as stored now. */
  task(id: string): Promise<Task | null>;
  repoTask: Task;
  otherTask: Task;
  runs: { committed: Run; failed: Run; unchanged: Run; other: Run };
}

/** A data directory whose database holds a repo task with runs of every outcome, and another task. */
async function seed(): Promise<Seeded> {
  const cwd = await temporaryDirectory();
  const dataDir = await temporaryDirectory('goosuke-data-');
  const database = path.join(dataDir, 'goosuke.db');
  const store = await createSqliteStore({ database });
  const repo = await store.repos.insert(buildRepo());
  const task = (overrides: Partial<Task> = {}) =>
    store.tasks.insert(buildTask({ repoId: repo.id, actionId: null, createdBy: null, ...overrides }));
  const repoTask = await task();
  const otherTask = await task();
  const runOf = async (on: Task, overrides: Partial<Run>) => {
    const message = await store.messages.insert(
      buildMessage({ taskId: on.id, role: 'user', runId: null, createdBy: null }),
    );
    return store.runs.insert(
      buildRun({
        taskId: on.id,
        messageId: message.id,
        executor: { kind: 'agent', agent: 'codex', modelProfileId: null },
        ...overrides,
      }),
    );
  };
  const runs = {
    committed: await runOf(repoTask, { status: 'succeeded', error: null }),
    failed: await runOf(repoTask, { status: 'failed', workingBranch: null }),
    unchanged: await runOf(repoTask, { status: 'succeeded', error: null, workingBranch: null }),
    other: await runOf(otherTask, { status: 'succeeded', error: null }),
  };
  await store.close();
  const env = { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: dataDir };
  return {
    goosuke: (argv) => runMain(argv, { cwd, env }),
    async task(id) {
      const reader = await createSqliteStore({ database });
      try {
        return await reader.tasks.get(id);
      } finally {
        await reader.close();
      }
    },
    repoTask,
    otherTask,
    runs,
  };
}

describe('goosuke tasks choose', () => {
  it('records the run the task continues from, as one line or as JSON', async () => {
    const seeded = await seed();
    const { repoTask, runs } = seeded;
    const chose = await seeded.goosuke(['tasks', 'choose', repoTask.id, runs.committed.id]);
    expect(chose).toEqual({
      code: 0,
      stdout: `Task ${repoTask.id} continues from run ${runs.committed.id}.\n`,
      stderr: '',
    });
    expect((await seeded.task(repoTask.id))?.chosenRunId).toBe(runs.committed.id);
    const json = await seeded.goosuke(['tasks', 'choose', '--json', repoTask.id, runs.committed.id]);
    expect(json.code).toBe(0);
    expect(JSON.parse(json.stdout)).toMatchObject({ id: repoTask.id, chosenRunId: runs.committed.id });
  });

  it('exits 1 for a run with nothing to continue from, changing nothing', async () => {
    const seeded = await seed();
    for (const run of [seeded.runs.failed, seeded.runs.unchanged]) {
      const refused = await seeded.goosuke(['tasks', 'choose', seeded.repoTask.id, run.id]);
      expect(refused.code).toBe(1);
      expect(refused.stdout).toBe('');
      expect(refused.stderr).toMatch(new RegExp(`^goosuke: .*run ${run.id} has no commit to continue from`));
      expect(refused.stderr.trimEnd().split('\n')).toHaveLength(1);
    }
    expect((await seeded.task(seeded.repoTask.id))?.chosenRunId).toBeNull();
  });

  it('exits 2 for an unknown task, a run of another task, or not two arguments', async () => {
    const seeded = await seed();
    const cases: string[][] = [
      ['tasks', 'choose', 'task_missing', seeded.runs.committed.id],
      ['tasks', 'choose', seeded.repoTask.id, seeded.runs.other.id],
      ['tasks', 'choose', seeded.repoTask.id],
      ['tasks', 'choose', seeded.repoTask.id, seeded.runs.committed.id, 'extra'],
    ];
    for (const argv of cases) {
      const refused = await seeded.goosuke(argv);
      expect(refused.code, argv.join(' ')).toBe(2);
      expect(refused.stderr).toMatch(/^goosuke: /);
    }
    expect((await seeded.task(seeded.repoTask.id))?.chosenRunId).toBeNull();
    expect((await seeded.task(seeded.otherTask.id))?.chosenRunId).toBeNull();
    expect((await seeded.goosuke(['tasks', 'choose', seeded.repoTask.id])).stderr).toContain(
      'was given 1 argument;',
    );
  });

  it('is listed in the help, with its arguments and exit codes', async () => {
    const seeded = await seed();
    const root = await seeded.goosuke(['--help']);
    expect(root.stdout).toMatch(/tasks choose\s+Choose the run a task continues from\./);
    const own = await seeded.goosuke(['tasks', 'choose', '--help']);
    expect(own.code).toBe(0);
    expect(own.stdout).toContain('goosuke tasks choose [options] TASK RUN');
    expect(own.stdout).toMatch(/1\s+Conflict: the run has nothing to continue from/);
  });
});
