import type { ToolCallUpdate, ToolKind } from '@agentclientprotocol/sdk';
import { rawString } from './recipe-permissions.ts';

/** Claude Code's tools by the kind Goosuke's policy decides them as (mcp__acp__*: the adapter's fs-backed twins). */
const kindOfTool: Readonly<Record<string, ToolKind>> = {
  Read: 'read',
  NotebookRead: 'read',
  mcp__acp__Read: 'read',
  Edit: 'edit',
  MultiEdit: 'edit',
  Write: 'edit',
  NotebookEdit: 'edit',
  mcp__acp__Edit: 'edit',
  mcp__acp__MultiEdit: 'edit',
  mcp__acp__Write: 'edit',
  Bash: 'execute',
  BashOutput: 'execute',
  KillShell: 'execute',
  KillBash: 'execute',
  mcp__acp__Bash: 'execute',
  mcp__acp__BashOutput: 'execute',
  mcp__acp__KillShell: 'execute',
};

/**
 * The tool a claude-code-acp permission request is for. Its requests are
 * `{ toolCallId, rawInput, title }` only: the name is in `rawInput.toolName` or
 * `_meta.claudeCode.toolName` in some versions, and otherwise follows from the title the
 * adapter derives from it (`Read PATH`, `Edit \`PATH\``, `Write PATH`, `` `COMMAND` `` for Bash,
 * the bare name for MCP tools) together with the input's shape, both of which must agree.
 */
function toolNameOf(toolCall: ToolCallUpdate): string | null {
  const meta = toolCall._meta?.claudeCode;
  const metaName =
    typeof meta === 'object' && meta !== null ? (meta as Record<string, unknown>).toolName : undefined;
  if (typeof metaName === 'string' && metaName !== '') return metaName;
  const named = rawString(toolCall, 'toolName');
  if (named !== null) return named;

  const title = (toolCall.title ?? '').trim();
  const filePath = rawString(toolCall, 'file_path') ?? rawString(toolCall, 'path');
  const notebook = rawString(toolCall, 'notebook_path');
  const command = rawString(toolCall, 'command');
  if (/^mcp__/.test(title)) return title.split(/\s/)[0]!;
  if (command !== null && (/^`[\s\S]*`$/.test(title) || title === 'Terminal')) return 'Bash';
  // A request naming a command is never taken for a file tool, whatever its title says.
  if (command !== null) return null;
  if (/^Edit Notebook\b/.test(title) && notebook !== null) return 'NotebookEdit';
  if (/^Read Notebook\b/.test(title) && notebook !== null) return 'NotebookRead';
  if (filePath === null) return null;
  const edits = Array.isArray((toolCall.rawInput as Record<string, unknown>).edits);
  if (/^Edit\b/.test(title) && edits) return 'MultiEdit';
  if (/^Edit\b/.test(title)) return 'Edit';
  if (/^Write\b/.test(title)) return 'Write';
  if (/^Read\b/.test(title)) return 'Read';
  return null;
}

/**
 * Normalises a claude-code-acp permission request, which carries no `kind`: Read → `read`, Edit,
 * MultiEdit, Write, NotebookEdit and the adapter's `mcp__acp__Edit`/`Write` → `edit`, each with
 * its file path (`rawInput.file_path`, `path` or `notebook_path`) as location; Bash and its
 * helpers → `execute`; MCP tools (`mcp__server__tool`) and anything unrecognised → `other`,
 * which the policy refuses. Claude Code passes absolute paths; a relative one stays relative and
 * is refused.
 */
export function normalizeClaudeToolCall(toolCall: ToolCallUpdate): ToolCallUpdate {
  const name = toolNameOf(toolCall);
  const kind: ToolKind = name === null ? 'other' : (kindOfTool[name] ?? 'other');
  if (kind !== 'read' && kind !== 'edit') return { ...toolCall, kind };
  const target =
    rawString(toolCall, 'file_path') ?? rawString(toolCall, 'path') ?? rawString(toolCall, 'notebook_path');
  const locations = [...(toolCall.locations ?? [])];
  if (target !== null) locations.push({ path: target });
  return { ...toolCall, kind, locations };
}
