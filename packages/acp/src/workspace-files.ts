import {
  type ReadTextFileRequest,
  type ReadTextFileResponse,
  RequestError,
  type WriteTextFileRequest,
  type WriteTextFileResponse,
} from '@agentclientprotocol/sdk';
import { GoosukeError, type Workspace } from '@goosuke/core';
import type { RunEventLog } from './run-event-log.ts';
import { type WorkspaceRoots, workspacePathOf } from './workspace-paths.ts';

/** The client's `fs/read_text_file` and `fs/write_text_file`, served from the run's Workspace. */
export interface WorkspaceFiles {
  read(params: ReadTextFileRequest): Promise<ReadTextFileResponse>;
  write(params: WriteTextFileRequest): Promise<WriteTextFileResponse>;
}

/**
 * Serves the agent's file requests through the Workspace, which refuses escapes (also through
 * symbolic links) and `.git`. ACP paths are absolute: one outside the working copy is refused
 * here, before the Workspace sees it, with an ACP error the agent can report; every refusal and
 * every write is recorded in the run's events.
 */
export function createWorkspaceFiles(options: {
  workspace: Workspace;
  roots: WorkspaceRoots;
  sessionId: () => string | null;
  events: RunEventLog;
}): WorkspaceFiles {
  const { workspace, roots, events } = options;

  const relativeOf = (operation: 'read' | 'write', params: { sessionId: string; path: string }): string => {
    const expected = options.sessionId();
    if (expected === null || params.sessionId !== expected)
      throw RequestError.sessionNotFound(params.sessionId);
    const relative = workspacePathOf(roots, params.path);
    if (relative === null) {
      events.log({
        level: 'warn',
        message: `refused to ${operation} ${params.path}: outside the working copy`,
        data: { kind: 'fs_refused', operation, path: String(params.path) },
      });
      throw RequestError.invalidParams(
        { path: params.path },
        `${params.path} is outside the working copy ${roots.root} (paths must be absolute and inside it, not in .git)`,
      );
    }
    return relative;
  };

  const refused = (operation: 'read' | 'write', path: string, error: unknown): RequestError => {
    // The Workspace's own refusals (InvalidInputError: a link leading out, a directory) are the
    // agent's mistake; anything else is ours, reported without internals.
    const message = GoosukeError.isInstance(error) ? error.message : 'the file could not be accessed';
    events.log({
      level: 'warn',
      message: `refused to ${operation} ${path}: ${message}`,
      data: { kind: 'fs_refused', operation, path, reason: message },
    });
    return GoosukeError.isInstance(error) && error.code === 'invalid_input'
      ? RequestError.invalidParams({ path }, message)
      : RequestError.internalError({ path }, message);
  };

  return {
    read: async (params) => {
      const relative = relativeOf('read', params);
      let text: string | null;
      try {
        text = await workspace.readFile(relative);
      } catch (error) {
        throw refused('read', relative, error);
      }
      if (text === null) throw RequestError.resourceNotFound(params.path);
      events.log({ level: 'debug', message: `read ${relative}`, data: { kind: 'fs_read', path: relative } });
      return { content: sliceLines(text, params.line ?? null, params.limit ?? null) };
    },
    write: async (params) => {
      const relative = relativeOf('write', params);
      if (typeof params.content !== 'string')
        throw RequestError.invalidParams({ path: params.path }, 'no content');
      try {
        await workspace.writeFiles([{ path: relative, content: params.content }]);
      } catch (error) {
        throw refused('write', relative, error);
      }
      events.log({
        level: 'info',
        message: `wrote ${relative}`,
        data: { kind: 'fs_write', path: relative, chars: params.content.length },
      });
      return {};
    },
  };
}

/**
 * The lines `line` (1-based) to `line + limit - 1` of a text, line endings kept; the whole text
 * when neither is given. A start past the end gives an empty text.
 */
export function sliceLines(text: string, line: number | null, limit: number | null): string {
  if (line === null && limit === null) return text;
  const start = Math.max(1, line ?? 1) - 1;
  const lines = text.split(/(?<=\n)/);
  const end = limit === null ? lines.length : start + Math.max(0, limit);
  return lines.slice(start, end).join('');
}
