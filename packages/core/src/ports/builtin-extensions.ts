import type { Task } from '../domain/index.ts';

/** The names of Goosuke's built-in extensions (an extension of type `builtin` has one as its `command`). */
export const builtinExtensionNames = ['discord'] as const;
/** A built-in extension's name. */
export type BuiltinExtensionName = (typeof builtinExtensionNames)[number];

/**
 * One run's access to a built-in extension's MCP server: a streamable-HTTP endpoint and the
 * headers (a bearer token made for the run) to reach it. `revoke` ends the access; it is called
 * when the run ends.
 */
export interface BuiltinExtensionGrant {
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  revoke(): void;
}

/**
 * Serves Goosuke's built-in extensions to runs, from the process that holds what they need (the
 * Discord bot's client for `discord`). The composition root provides it; a run given a built-in
 * extension this process cannot serve goes without it, with a warning.
 */
export interface BuiltinExtensions {
  /**
   * Access for `runId` of `task` to the built-in `name`, scoped to what the task allows (the
   * `discord` extension: the task's `discordChannel`); null when this process cannot serve it,
   * or not for this task (a task not started from Discord).
   */
  grant(request: { name: string; runId: string; task: Task }): Promise<BuiltinExtensionGrant | null>;
}
