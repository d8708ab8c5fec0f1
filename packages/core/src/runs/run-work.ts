import { GoosukeError } from '../errors/index.ts';
import type { TokenUsage } from '../ports/language-model.ts';
import type { Workspace } from '../ports/workspace.ts';

/** A Workspace that only names a directory, so that a working copy left by a dead worker can be removed. */
export function staleWorkspace(root: string): Workspace {
  const refuse = (): never => {
    throw new GoosukeError('internal', `the working copy ${root} is being removed`);
  };
  return { root, listFiles: refuse, readFile: refuse, writeFiles: refuse };
}

/** The sum of a run's usage so far and one call's. */
export function addUsage(total: TokenUsage, call: TokenUsage): TokenUsage {
  return {
    inputTokens: total.inputTokens + call.inputTokens,
    outputTokens: total.outputTokens + call.outputTokens,
    cachedInputTokens: total.cachedInputTokens + call.cachedInputTokens,
  };
}
