import { type Clock, systemClock } from './ports/clock.ts';
import type { EventSink } from './ports/event-sink.ts';
import { type IdGenerator, randomIdGenerator } from './ports/id-generator.ts';
import type { SecretBox } from './ports/secret-box.ts';
import type { Store } from './ports/store.ts';
import type { RunRuntime, RunSettings, RunWorkers } from './runs/run-runtime.ts';
import { createModelProfileService, type ModelProfileService } from './services/model-profile-service.ts';
import { createRepoService, type RepoService } from './services/repo-service.ts';
import { createRunService, type RunService } from './services/run-service.ts';
import { createTaskService, type TaskService } from './services/task-service.ts';

/** The ports Goosuke is built from. Everything with effects arrives here. */
export interface GoosukeDependencies {
  store: Store;
  /** Encrypts provider keys and other secrets at rest. */
  secretBox: SecretBox;
  /** Defaults to the system clock. */
  clock?: Clock;
  /** Defaults to time-ordered random ids. */
  ids?: IdGenerator;
  /**
   * The job queue, git backend, model resolver and file layout that executing runs needs.
   * Without it Goosuke reads and manages data but cannot start or execute runs.
   */
  runtime?: RunRuntime;
  /** How runs execute (prices, retries, the agent); every field has a default. */
  runs?: RunSettings;
  /** Live views of run events besides `runs.subscribe` (SSE hubs, Discord message editors). */
  eventSinks?: readonly EventSink[];
}

/** The facade every adapter (HTTP, Discord, CLI) calls. */
export interface Goosuke {
  readonly models: ModelProfileService;
  readonly repos: RepoService;
  readonly tasks: TaskService;
  readonly runs: RunService;
  /** Stops the run workers started here (if any), then closes the store. Idempotent. */
  close(): Promise<void>;
}

/**
 * Builds Goosuke's services on the given ports. Pure wiring: nothing is opened or
 * started here; `close()` closes the store it was given.
 */
export function createGoosuke(dependencies: GoosukeDependencies): Goosuke {
  const context = {
    store: dependencies.store,
    secretBox: dependencies.secretBox,
    clock: dependencies.clock ?? systemClock,
    ids: dependencies.ids ?? randomIdGenerator,
  };
  const models = createModelProfileService(context);
  const runService = createRunService({
    ...context,
    models,
    runtime: dependencies.runtime,
    settings: dependencies.runs ?? {},
    sinks: dependencies.eventSinks ?? [],
  });
  const workers: RunWorkers[] = [];
  const runs: RunService = {
    ...runService,
    startWorkers(options) {
      const started = runService.startWorkers(options);
      workers.push(started);
      return started;
    },
  };
  let closing: Promise<void> | null = null;
  return {
    models,
    repos: createRepoService(context),
    tasks: createTaskService(context),
    runs,
    close() {
      closing ??= (async () => {
        for (const started of workers) await started.stop();
        await dependencies.store.close();
      })();
      return closing;
    },
  };
}
