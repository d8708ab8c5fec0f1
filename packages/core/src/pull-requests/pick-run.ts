import { InvalidInputError } from '../errors/index.ts';
import type { RunComparisonEntry } from '../services/run-comparison.ts';

/** A run of the comparison as the pick sees it: its entry, the label shown for it, when it ended. */
export interface PickCandidate {
  entry: RunComparisonEntry;
  /** The `--model` value or profile name the run was started with. */
  label: string;
  /** ISO time the run ended, or null; ties on everything else go to the run that ended first. */
  completedAt: string | null;
}

/** The run chosen for the pull request and why, in words for people and for the PR body. */
export interface RunPick {
  candidate: PickCandidate;
  reason: string;
}

/**
 * Whether `wanted` (as given to `--pick`) names a run's model: its label (the `--model` value or
 * profile name), `provider:model`, the model name, the profile's display name, or (an agent run)
 * the agent's name.
 */
export function pickMatches(
  label: string,
  model: { provider: string; modelName: string; displayName: string } | null,
  wanted: string,
  agent: string | null = null,
): boolean {
  if (label === wanted || (agent !== null && agent === wanted)) return true;
  if (model === null) return false;
  return (
    `${model.provider}:${model.modelName}` === wanted ||
    model.modelName === wanted ||
    model.displayName === wanted
  );
}

const plural = (count: number, word: string): string => `${count} ${word}${count === 1 ? '' : 's'}`;
const diffSize = (entry: RunComparisonEntry): number => entry.added + entry.removed;
const endTime = (candidate: PickCandidate): number =>
  candidate.completedAt === null ? Number.POSITIVE_INFINITY : Date.parse(candidate.completedAt);

/**
 * The runs a pull request can come from: succeeded, with at least one changed file, in the order
 * given. Empty when there is none (then no pull request is opened).
 */
export function pickableRuns(candidates: readonly PickCandidate[]): PickCandidate[] {
  return candidates.filter(
    (candidate) => candidate.entry.status === 'succeeded' && candidate.entry.filesChanged > 0,
  );
}

/**
 * Chooses the run a pull request is opened from, among {@link pickableRuns} (which must not be
 * empty). With `model` (`--pick`): the one run whose model it names; InvalidInputError listing
 * the candidates when it names none or several. Otherwise the default rule: fewest model calls
 * (1 = the first edit applied, so the fewest edit retries), then the smallest diff (lines added +
 * removed), then the run that ended first, then the order the models were given. The reason
 * names the criteria up to the one that decided.
 */
export function pickRun(candidates: readonly PickCandidate[], model?: string): RunPick {
  const pickable = pickableRuns(candidates);
  if (pickable.length === 0) throw new InvalidInputError('no run succeeded with changes: nothing to pick');
  const names = pickable.map((candidate) => candidate.label).join(', ');
  if (model !== undefined) {
    const matching = pickable.filter((candidate) =>
      pickMatches(candidate.label, candidate.entry.model, model, candidate.entry.agent),
    );
    if (matching.length !== 1) {
      throw new InvalidInputError(
        matching.length === 0
          ? `--pick ${model}: no succeeded run with changes is of that model; candidates: ${names}`
          : `--pick ${model}: ${matching.length} succeeded runs are of that model (${matching.map((candidate) => candidate.entry.runId).join(', ')}); give one model run once; candidates: ${names}`,
      );
    }
    return { candidate: matching[0]!, reason: `chosen with --pick ${model}` };
  }
  if (pickable.length === 1) {
    return { candidate: pickable[0]!, reason: 'the only run that succeeded with changes' };
  }
  const ordered = pickable
    .map((candidate, index) => ({ candidate, index }))
    .sort(
      (left, right) =>
        left.candidate.entry.modelCalls - right.candidate.entry.modelCalls ||
        diffSize(left.candidate.entry) - diffSize(right.candidate.entry) ||
        endTime(left.candidate) - endTime(right.candidate) ||
        left.index - right.index,
    )
    .map(({ candidate }) => candidate);
  const best = ordered[0]!;
  const runnerUp = ordered[1]!;
  const parts = [`fewest edit retries (${plural(best.entry.modelCalls, 'model call')})`];
  if (runnerUp.entry.modelCalls === best.entry.modelCalls) {
    parts.push(`smallest diff (+${best.entry.added} -${best.entry.removed})`);
    if (diffSize(runnerUp.entry) === diffSize(best.entry)) {
      parts.push(endTime(runnerUp) === endTime(best) ? 'first given' : 'first to finish');
    }
  }
  return { candidate: best, reason: parts.join(', then ') };
}
