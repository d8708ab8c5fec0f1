import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Message, ModelProfile, PullRequest, Repo, Run, Task, User } from '@goosuke/core';

/** A temp directory for database files, and a way to close what was opened in it before removing it. */
export interface TempDatabaseDirectory {
  readonly path: string;
  /** A fresh database file name in the directory. */
  file(name?: string): string;
  /** Registers something to close (a store, a queue) before the directory is removed. */
  track<T extends { close(): unknown }>(closable: T): T;
  /** Closes what was tracked (in reverse order) and removes the directory. */
  remove(): Promise<void>;
}

/** Makes a temp directory under the OS temp dir. */
export async function createTempDatabaseDirectory(): Promise<TempDatabaseDirectory> {
  const path = await mkdtemp(join(tmpdir(), 'goosuke-store-sqlite-'));
  const closables: Array<{ close(): unknown }> = [];
  let counter = 0;
  return {
    path,
    file(name) {
      counter += 1;
      return join(path, name ?? `database-${counter}.sqlite`);
    },
    track(closable) {
      closables.push(closable);
      return closable;
    },
    async remove() {
      for (const closable of closables.reverse()) {
        try {
          await closable.close();
        } catch {
          // Already closed, or closed by its owner: nothing to release.
        }
      }
      await rm(path, { recursive: true, force: true });
    },
  };
}

let clock = Date.parse('2026-01-01T00:00:00.000Z');

/** A fresh ISO timestamp, one millisecond after the previous one. */
export function nextTimestamp(): string {
  clock += 1;
  return new Date(clock).toISOString();
}

let sequence = 0;
/** A fresh id with `prefix`. */
export function nextId(prefix: string): string {
  sequence += 1;
  return `${prefix}_${sequence.toString().padStart(6, '0')}`;
}

export function aRepo(overrides: Partial<Repo> = {}): Repo {
  const at = nextTimestamp();
  const id = overrides.id ?? nextId('repo');
  return {
    id,
    name: `owner/${id}`,
    url: `https://github.com/owner/${id}.git`,
    defaultBranch: 'main',
    codeHost: 'github',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function aTask(overrides: Partial<Task> = {}): Task {
  const at = nextTimestamp();
  return {
    id: nextId('task'),
    title: 'Fix the flaky test',
    repoId: null,
    baseBranch: null,
    actionId: null,
    templateId: null,
    trigger: null,
    status: 'idle',
    createdBy: null,
    firedBy: null,
    chosenRunId: null,
    extensionIds: [],
    discordChannel: null,
    archived: false,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function aMessage(taskId: string, overrides: Partial<Message> = {}): Message {
  return {
    id: nextId('message'),
    taskId,
    role: 'user',
    content: 'Please fix it',
    runId: null,
    createdBy: null,
    createdAt: nextTimestamp(),
    ...overrides,
  };
}

export function aRun(taskId: string, messageId: string, overrides: Partial<Run> = {}): Run {
  return {
    id: nextId('run'),
    taskId,
    messageId,
    executor: { kind: 'model', modelProfileId: 'model_1' },
    instruction: 'Fix it',
    baseRef: 'main',
    baseSource: { kind: 'base-branch' },
    baseCommit: null,
    workingBranch: null,
    status: 'queued',
    summary: null,
    patch: null,
    filesChanged: [],
    warnings: [],
    error: null,
    usage: null,
    createdAt: nextTimestamp(),
    startedAt: null,
    completedAt: null,
    cancelRequestedAt: null,
    maxCostUsd: null,
    maxTokens: null,
    allowShell: false,
    agentSession: null,
    extensions: [],
    ...overrides,
  };
}

export function aPullRequest(
  taskId: string,
  repoId: string,
  runId: string,
  overrides: Partial<PullRequest> = {},
): PullRequest {
  const at = nextTimestamp();
  return {
    id: nextId('pr'),
    taskId,
    repoId,
    runId,
    number: 1,
    url: 'https://github.com/owner/repo/pull/1',
    title: 'Fix the flaky test',
    body: '',
    branch: 'goosuke/fix',
    baseBranch: 'main',
    state: 'open',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function aUser(overrides: Partial<User> = {}): User {
  const at = nextTimestamp();
  const id = overrides.id ?? nextId('user');
  return {
    id,
    username: id.replace(/[^a-z0-9]/g, '-'),
    displayName: 'Ada',
    role: 'member',
    disabled: false,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

export function aModelProfile(overrides: Partial<ModelProfile> = {}): ModelProfile {
  const at = nextTimestamp();
  return {
    id: nextId('model'),
    provider: 'openai',
    modelName: 'gpt-5.1',
    displayName: 'GPT',
    baseUrl: null,
    hasApiKey: false,
    capabilities: {},
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}
