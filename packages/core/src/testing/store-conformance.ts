import { afterEach, beforeEach, describe } from 'vitest';
import type { Store } from '../ports/index.ts';
import { describeActionsAndTriggerKeys } from './store-conformance-action-tests.ts';
import { describeAuthTokens } from './store-conformance-auth-token-tests.ts';
import {
  actionCase,
  agentDefinitionCase,
  extensionCase,
  messageCase,
  modelCase,
  pullRequestCase,
  repoCase,
  runCase,
  taskCase,
  templateCase,
  userCase,
} from './store-conformance-cases.ts';
import { describeContinuation } from './store-conformance-continuation-tests.ts';
import { describeEntityRepository, type StoreTestContext } from './store-conformance-entity-tests.ts';
import { describeExtensionDeletions } from './store-conformance-extension-deletion-tests.ts';
import { describeStoreLifecycle } from './store-conformance-lifecycle-tests.ts';
import { describeRunEventLog, describeSettings } from './store-conformance-log-tests.ts';
import { describeLookups } from './store-conformance-lookup-tests.ts';
import { describeActiveRunCounts } from './store-conformance-run-count-tests.ts';
import { describeSecretsBesideEntities } from './store-conformance-secret-tests.ts';

/** How the store conformance suite gets the store under test. */
export interface StoreConformanceFactory {
  /**
   * Opens a new, empty store. Called once before every test; the suite closes the store
   * after the test (and once more inside the close test, so close must be idempotent).
   */
  open(): Promise<Store>;
  /** Called after every test, once its store is closed: remove temporary files here. */
  cleanup?(): Promise<void>;
}

/**
 * Registers, as one vitest `describe` block named `Store conformance: <name>`, the tests
 * every Store implementation must pass: for every repository, round trips that keep every
 * field, missing ids, updates, deletes, unique keys (ConflictError), list order by
 * createdAt then id, cursor pagination (stable under inserts and deletes between pages),
 * every filter; lookups by name; deleted extension names (recorded, replaced, cleared, listed by
 * name, apart from the extensions); encrypted model keys and password hashes that never leak
 * into entities; action webhook secrets (write-only beside the action, `hasWebhookSecret` derived);
 * trigger keys (first claim wins, also under concurrency; deleted with their action or task);
 * action owners and template repos that become null when the user or repo is deleted; a task's
 * chosen run (cleared when that run is deleted) and every kind of a run's base source; access
 * and refresh tokens (stored with a unique hash that no read returns,
 * found by exact hash, listed per user, used once, revoked singly, by family or by user, deleted
 * with their user); the run event log (per-run gap-free sequences, also under concurrent
 * appends); settings; cascading task deletes; transactions (commit, full rollback, error
 * rethrown unchanged, nested transactions join, isolation from concurrent writes); close.
 *
 * Entities are made with the `build*` builders and always reference stored entities, so
 * stores that enforce foreign keys pass too. Nothing is asked about dangling references.
 *
 * Where the port leaves room, the suite holds stores to the strict reading:
 * - `update` merges shallowly (a JSON field is replaced whole), skips keys whose value is
 *   undefined, and throws ConflictError when the patch takes another entity's unique key;
 * - a limit outside 1..500 or a cursor the store did not make is an InvalidInputError;
 *   every page but the last is full, and the page holding the last item has a null cursor;
 * - `hasApiKey` always tells whether a key is stored: what insert or update say is ignored;
 *   `setEncryptedApiKey` on a missing profile is a NotFoundError, like `getEncryptedApiKey`;
 * - deleting a profile or a user deletes its key or password hash;
 * - a rolled-back `runEvents.append` uses up no sequence, nor does one refused for a taken id;
 * - a call made outside an open transaction is not undone by its rollback.
 */
export function describeStoreConformance(name: string, factory: StoreConformanceFactory): void {
  describe(`Store conformance: ${name}`, () => {
    let current: Store | null = null;
    const context: StoreTestContext = {
      store: () => {
        if (current === null) throw new Error('the store is opened before each test');
        return current;
      },
    };

    beforeEach(async () => {
      current = await factory.open();
    });

    afterEach(async () => {
      const store = current;
      current = null;
      try {
        await store?.close();
      } finally {
        await factory.cleanup?.();
      }
    });

    describeEntityRepository(context, modelCase);
    describeEntityRepository(context, repoCase);
    describeEntityRepository(context, taskCase);
    describeEntityRepository(context, messageCase);
    describeEntityRepository(context, runCase);
    describeEntityRepository(context, pullRequestCase);
    describeEntityRepository(context, userCase);
    describeEntityRepository(context, actionCase);
    describeEntityRepository(context, templateCase);
    describeEntityRepository(context, extensionCase);
    describeEntityRepository(context, agentDefinitionCase);
    describeLookups(context);
    describeExtensionDeletions(context);
    describeActiveRunCounts(context);
    describeSecretsBesideEntities(context);
    describeActionsAndTriggerKeys(context);
    describeContinuation(context);
    describeAuthTokens(context);
    describeRunEventLog(context);
    describeSettings(context);
    describeStoreLifecycle(context);
  });
}
