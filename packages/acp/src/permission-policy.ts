import type { PermissionOption, RequestPermissionOutcome, ToolCallUpdate } from '@agentclientprotocol/sdk';

/** One `session/request_permission` as a {@link AcpPermissionPolicy} sees it. */
export interface AcpPermissionRequest {
  /** The tool call the agent wants to make, as the agent describes it (kind, title, locations, content). */
  toolCall: ToolCallUpdate;
  /** The options the agent offers; the decision is mapped onto one of them. */
  options: readonly PermissionOption[];
  /** Absolute root of the run's working copy (the session's cwd). */
  workspaceRoot: string;
  /**
   * True when `absolutePath` is inside the working copy (under any spelling of its root, not in
   * `.git`); false for relative paths and anything outside.
   */
  insideWorkspace(absolutePath: string): boolean;
}

/** What a policy decided, with the reason recorded in the run's events. */
export interface AcpPermissionDecision {
  /** True to grant this one call (the agent's `allow_once` option is chosen where offered). */
  allow: boolean;
  /** Why, in a few words, for the run's events. */
  reason: string;
}

/**
 * Decides one permission request. May be async. A policy that throws refuses the request
 * (the error's message is recorded as the reason).
 */
export type AcpPermissionPolicy = (
  request: AcpPermissionRequest,
) => AcpPermissionDecision | Promise<AcpPermissionDecision>;

/**
 * Every path a tool call names: its `locations` and the paths of its `diff` contents (Gemini
 * describes an edit only through its diff).
 */
export function toolCallPaths(toolCall: ToolCallUpdate): string[] {
  const paths = (toolCall.locations ?? []).map((location) => location.path);
  for (const content of toolCall.content ?? []) {
    if (content.type === 'diff') paths.push(content.path);
  }
  return paths;
}

/**
 * The default policy, closed by default: allows a `read` or an `edit` whose every named path
 * (locations and diffs) is inside the working copy, and that names at least one; refuses
 * everything else, `execute` (shell commands) included, and any tool call without a kind.
 */
export const defaultAcpPermissionPolicy: AcpPermissionPolicy = (request) => {
  const kind = request.toolCall.kind ?? null;
  if (kind !== 'read' && kind !== 'edit') {
    return { allow: false, reason: `the default policy refuses tool calls of kind ${kind ?? 'unknown'}` };
  }
  const paths = toolCallPaths(request.toolCall);
  if (paths.length === 0) {
    return { allow: false, reason: `the default policy refuses a ${kind} that names no path` };
  }
  const outside = paths.find((candidate) => !request.insideWorkspace(candidate));
  if (outside !== undefined) {
    return { allow: false, reason: `${outside} is outside the working copy` };
  }
  return { allow: true, reason: `a ${kind} inside the working copy` };
};

/** The answer sent to the agent for a decision, and the option it chose (null: none fitted). */
export interface PermissionAnswer {
  outcome: RequestPermissionOutcome;
  option: PermissionOption | null;
}

/**
 * Maps a decision onto the agent's options: the one-time option of the decided kind first
 * (`allow_once` before `allow_always`, `reject_once` before `reject_always`), so that one decision
 * never grants more than this one call. When the agent offers no option of that kind the request
 * is answered `cancelled`, which every agent must treat as not granted.
 */
export function answerFor(
  decision: AcpPermissionDecision,
  options: readonly PermissionOption[],
): PermissionAnswer {
  const preferred = decision.allow
    ? (['allow_once', 'allow_always'] as const)
    : (['reject_once', 'reject_always'] as const);
  for (const kind of preferred) {
    const option = options.find((candidate) => candidate.kind === kind);
    if (option !== undefined) return { outcome: { outcome: 'selected', optionId: option.optionId }, option };
  }
  return { outcome: { outcome: 'cancelled' }, option: null };
}
