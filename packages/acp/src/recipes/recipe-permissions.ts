import type { ToolCallUpdate } from '@agentclientprotocol/sdk';
import {
  type AcpPermissionDecision,
  type AcpPermissionPolicy,
  defaultAcpPermissionPolicy,
} from '../permission-policy.ts';

/**
 * Gives a kind (and the paths it touches) to a tool call an agent sent without a usable one
 * (Claude Code's requests carry none, Goose's say `other`), from its title and raw input. Returns
 * the tool call unchanged when it does not recognise the tool: the policy then refuses it.
 * Relative paths are resolved against `workspaceRoot` only for agents that resolve them so.
 */
export type ToolCallNormalizer = (toolCall: ToolCallUpdate, workspaceRoot: string) => ToolCallUpdate;

/** Options of {@link runPermissionPolicy}. */
export interface RunPermissionOptions {
  /** Allow `execute` requests (shell commands): the run's `allowShell`. */
  readonly allowShell: boolean;
  /** Applied to requests whose kind is missing or `other`, before anything is decided. */
  readonly normalize?: ToolCallNormalizer;
}

/**
 * The permission policy of a run of a recipe: an `execute` request is allowed exactly when
 * `allowShell` is; everything else is decided by {@link defaultAcpPermissionPolicy} (reads and
 * edits whose every path is inside the working copy). Requests without a usable kind are first
 * passed through `normalize`; the decision's reason then says the kind was inferred.
 */
export function runPermissionPolicy(options: RunPermissionOptions): AcpPermissionPolicy {
  const { allowShell, normalize } = options;
  return async (request) => {
    const original = request.toolCall;
    const unkinded = original.kind === undefined || original.kind === null || original.kind === 'other';
    const toolCall = unkinded && normalize ? normalize(original, request.workspaceRoot) : original;
    const inferred = toolCall.kind !== original.kind;
    let decision: AcpPermissionDecision;
    if (toolCall.kind === 'execute') {
      decision = allowShell
        ? { allow: true, reason: 'shell commands are allowed for this run' }
        : { allow: false, reason: 'shell commands are not allowed for this run' };
    } else {
      decision = await defaultAcpPermissionPolicy({ ...request, toolCall });
    }
    return inferred
      ? { ...decision, reason: `${decision.reason} (kind ${toolCall.kind} inferred from the request)` }
      : decision;
  };
}

/** A string property of a tool call's raw input, or null. */
export function rawString(toolCall: ToolCallUpdate, name: string): string | null {
  const raw = toolCall.rawInput;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return null;
  const value = (raw as Record<string, unknown>)[name];
  return typeof value === 'string' && value !== '' ? value : null;
}
