import { type Clock, systemClock } from './ports/clock.ts';
import { type IdGenerator, randomIdGenerator } from './ports/id-generator.ts';
import type { SecretBox } from './ports/secret-box.ts';
import type { Store } from './ports/store.ts';
import { createModelProfileService, type ModelProfileService } from './services/model-profile-service.ts';
import { createRepoService, type RepoService } from './services/repo-service.ts';
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
}

/** The facade every adapter (HTTP, Discord, CLI) calls. */
export interface Goosuke {
  readonly models: ModelProfileService;
  readonly repos: RepoService;
  readonly tasks: TaskService;
  /** Closes the store. Idempotent. */
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
  return {
    models: createModelProfileService(context),
    repos: createRepoService(context),
    tasks: createTaskService(context),
    close: () => dependencies.store.close(),
  };
}
