import type { Run } from '../domain/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import { costOf, type ModelPrice } from '../models/model-prices.ts';
import type { TokenUsage } from '../ports/language-model.ts';

/** A run's spending limits as its executor checks them. */
export interface RunBudget {
  /** True once the usage reached a limit. */
  readonly exceeded: boolean;
  /** Records the run's usage so far; returns true when it reached a limit. */
  check(usage: TokenUsage): boolean;
  /** Marks the budget spent for a reason found elsewhere (the gateway refused a call). */
  exceed(reason: string): void;
  /** The failure message once exceeded: which limit, and how much was used. */
  message(): string;
}

/**
 * The budget of `run` (its `maxCostUsd` and `maxTokens`) at `price`. A cost limit on a model of
 * unknown price cannot be checked: InvalidInputError, which fails the run at its start rather
 * than letting it spend without a bound.
 */
export function createRunBudget(
  run: Pick<Run, 'maxCostUsd' | 'maxTokens'>,
  price: ModelPrice | null,
): RunBudget {
  if (run.maxCostUsd !== null && price === null) {
    throw new InvalidInputError(
      `a cost limit of $${run.maxCostUsd} cannot be kept: the model's price is unknown (set a price override, or limit tokens with maxTokens)`,
    );
  }
  let exceeded = false;
  let words = '';
  return {
    get exceeded() {
      return exceeded;
    },
    check(usage) {
      if (exceeded) return true;
      const tokens = usage.inputTokens + usage.outputTokens;
      if (run.maxTokens !== null && tokens >= run.maxTokens) {
        exceeded = true;
        words = `${tokens} tokens used of the run's limit of ${run.maxTokens}`;
      }
      const cost = costOf(usage, price);
      if (!exceeded && run.maxCostUsd !== null && cost !== null && cost >= run.maxCostUsd) {
        exceeded = true;
        words = `$${cost} spent of the run's limit of $${run.maxCostUsd}`;
      }
      return exceeded;
    },
    exceed(reason) {
      if (exceeded) return;
      exceeded = true;
      words = reason;
    },
    message: () => `budget exceeded: ${words}`,
  };
}
