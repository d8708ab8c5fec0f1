import path from 'node:path';
import type { ToolCallUpdate, ToolKind } from '@agentclientprotocol/sdk';
import { rawString } from './recipe-permissions.ts';

/**
 * Normalises a `goose acp` permission request. Goose sends `kind: other` for every tool, the
 * tool's display name as title (`Write`, `Edit`, `Shell`, or `Developer: Write` when the
 * extension prefixes it; `Developer: Text Editor` in older versions) and the tool's arguments as
 * `rawInput`. Write and Edit (and the text editor's non-`view` commands) become `edit` of
 * `rawInput.path`, resolved against the working copy's root as Goose resolves it (its working
 * directory is the session's cwd); the text editor's `view` becomes `read`; Shell becomes
 * `execute`; anything else (MCP extensions' tools) stays `other`, which the policy refuses.
 * Derived from Goose's sources; not run against a real Goose here.
 */
export function normalizeGooseToolCall(toolCall: ToolCallUpdate, workspaceRoot: string): ToolCallUpdate {
  const title = (toolCall.title ?? '').trim();
  const tool = title.replace(/^Developer:\s*/i, '').toLowerCase();
  const fromDeveloper = tool !== title.toLowerCase() || !title.includes(':');
  let kind: ToolKind = 'other';
  if (fromDeveloper) {
    if (tool === 'shell') kind = 'execute';
    else if (tool === 'write' || tool === 'edit') kind = 'edit';
    else if (tool === 'text editor') kind = rawString(toolCall, 'command') === 'view' ? 'read' : 'edit';
  }
  if (kind !== 'read' && kind !== 'edit') return { ...toolCall, kind };
  const target = rawString(toolCall, 'path');
  const locations = [...(toolCall.locations ?? [])];
  if (target !== null) locations.push({ path: path.resolve(workspaceRoot, target) });
  return { ...toolCall, kind, locations };
}
