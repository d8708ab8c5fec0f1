import { actionsListCommand } from './actions-list.ts';
import { actionsTriggerCommand } from './actions-trigger.ts';
import { agentsAddCommand, agentsListCommand, agentsRemoveCommand } from './agents.ts';
import type { CommandEntry } from './command.ts';
import { defineGroup } from './command.ts';
import { discordCommand } from './discord.ts';
import {
  extensionsAddCommand,
  extensionsListCommand,
  extensionsRemoveCommand,
  extensionsTestCommand,
} from './extensions.ts';
import { extensionsExportCommand, extensionsImportCommand } from './extensions-goose.ts';
import { extensionsSetCommand } from './extensions-set.ts';
import { modelsAddCommand } from './models-add.ts';
import { modelsListCommand } from './models-list.ts';
import { modelsRemoveCommand } from './models-remove.ts';
import { patchApplyCommand } from './patch-apply.ts';
import { prCreateCommand } from './pr-create.ts';
import { prUpdateCommand } from './pr-update.ts';
import { runCommand } from './run.ts';
import { runsShowCommand } from './runs-show.ts';
import { serveCommand } from './serve.ts';
import { tasksChooseCommand } from './tasks-choose.ts';
import { usersAddCommand } from './users-add.ts';

/**
 * Every `goosuke` command, as a tree: `main` routes argv through it and help is generated from it.
 * A new command (serve, discord, run, users ...) is one `defineCommand` file added here.
 */
export const commandRegistry: readonly CommandEntry[] = [
  runCommand,
  serveCommand,
  discordCommand,
  defineGroup({
    name: 'patch',
    summary: 'Work with patches and model replies that contain edits.',
    commands: [patchApplyCommand],
  }),
  defineGroup({
    name: 'pr',
    summary: 'Open and update pull requests from runs.',
    commands: [prCreateCommand, prUpdateCommand],
  }),
  defineGroup({
    name: 'runs',
    summary: 'Look at the runs goosuke run made: status, branch, patch.',
    commands: [runsShowCommand],
  }),
  defineGroup({
    name: 'tasks',
    summary: 'Work with tasks: choose the run a task continues from.',
    commands: [tasksChooseCommand],
  }),
  defineGroup({
    name: 'models',
    summary: 'Manage model profiles: providers, models and their encrypted API keys.',
    commands: [modelsAddCommand, modelsListCommand, modelsRemoveCommand],
  }),
  defineGroup({
    name: 'agents',
    summary: 'Coding agents (Claude Code, Codex, Gemini CLI, Goose, custom ones): list, add, remove.',
    commands: [agentsListCommand, agentsAddCommand, agentsRemoveCommand],
  }),
  defineGroup({
    name: 'extensions',
    summary:
      "MCP extensions (tool servers): list, add, set, remove, test, import from and export to Goose's config.",
    commands: [
      extensionsListCommand,
      extensionsAddCommand,
      extensionsSetCommand,
      extensionsRemoveCommand,
      extensionsTestCommand,
      extensionsImportCommand,
      extensionsExportCommand,
    ],
  }),
  defineGroup({
    name: 'users',
    summary: 'Manage the users who sign in to the Goosuke server.',
    commands: [usersAddCommand],
  }),
  defineGroup({
    name: 'actions',
    summary: 'List and trigger actions (templates bound to triggers).',
    commands: [actionsListCommand, actionsTriggerCommand],
  }),
];
