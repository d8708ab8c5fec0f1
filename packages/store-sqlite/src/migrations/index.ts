import type { Migration, MigrationProvider } from 'kysely/migration';
import { initialSchemaMigration } from './0001-initial-schema.ts';
import { jobQueueMigration } from './0002-job-queue.ts';
import { modelCapabilitiesMigration } from './0003-model-capabilities.ts';
import { authTokensMigration } from './0004-auth-tokens.ts';
import { settingSecretsMigration } from './0005-setting-secrets.ts';
import { actionTriggersMigration } from './0006-action-triggers.ts';
import { runContinuationMigration } from './0007-run-continuation.ts';
import { callerKeysMigration } from './0008-caller-keys.ts';
import { sessionSignInTimeMigration } from './0009-session-sign-in-time.ts';
import { runCancelRequestsMigration } from './0010-run-cancel-requests.ts';
import { runAuthorsMigration } from './0011-run-authors.ts';
import { agentsMigration } from './0012-agents.ts';
import { agentTemplatesMigration } from './0013-agent-templates.ts';
import { extensionFieldsMigration } from './0014-extension-fields.ts';
import { runExtensionsMigration } from './0015-run-extensions.ts';
import { extensionDeletionsMigration } from './0016-extension-deletions.ts';
import { taskStatusOriginMigration } from './0017-task-status-origin.ts';

/** The table in which kysely's Migrator records the migrations it has run. */
export const migrationTableName = 'goosuke_migrations';

/** The lock table kysely's Migrator keeps beside {@link migrationTableName}. */
export const migrationLockTableName = 'goosuke_migrations_lock';

/**
 * Every migration of the Goosuke SQLite schema, by name, in the order they run. Listed in code
 * rather than read from a folder so that they bundle with the package. Names never change
 * once released; new migrations are appended with a higher number.
 */
export const sqliteMigrationProvider: MigrationProvider = {
  async getMigrations(): Promise<Record<string, Migration>> {
    return {
      '0001_initial_schema': initialSchemaMigration,
      '0002_job_queue': jobQueueMigration,
      '0003_model_capabilities': modelCapabilitiesMigration,
      '0004_auth_tokens': authTokensMigration,
      '0005_setting_secrets': settingSecretsMigration,
      '0006_action_triggers': actionTriggersMigration,
      '0007_run_continuation': runContinuationMigration,
      '0008_caller_keys': callerKeysMigration,
      '0009_session_sign_in_time': sessionSignInTimeMigration,
      '0010_run_cancel_requests': runCancelRequestsMigration,
      '0011_run_authors': runAuthorsMigration,
      '0012_agents': agentsMigration,
      '0013_agent_templates': agentTemplatesMigration,
      '0014_extension_fields': extensionFieldsMigration,
      '0015_run_extensions': runExtensionsMigration,
      '0016_extension_deletions': extensionDeletionsMigration,
      '0017_task_status_origin': taskStatusOriginMigration,
    };
  },
};
