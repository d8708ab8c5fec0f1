import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type {
  GatewayCall,
  GatewayLease,
  GatewayLeaseOptions,
  GatewayTotals,
  TokenUsage,
} from '@goosuke/core';

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

/**
 * One open lease inside the gateway: its id and token, its totals and budget, its calls in
 * flight. {@link LeaseState.lease} is the view handed to the caller.
 */
export class LeaseState {
  /** Random, in the lease's base URL: it only routes; the token is what authorizes. */
  readonly id = randomBytes(16).toString('base64url');
  readonly token = randomBytes(32).toString('base64url');
  readonly options: GatewayLeaseOptions;
  readonly baseUrl: string;
  /** The caller's view of the lease. */
  readonly lease: GatewayLease;
  /** When the lease opened, in seconds (the model list's `created`). */
  readonly openedAt = Math.floor(Date.now() / 1000);
  private readonly tokenDigest = digest(this.token);
  private revoked = false;
  private closing: Promise<void> | null = null;
  private readonly inFlight = new Set<Promise<void>>();
  private calls = 0;
  private readonly usage: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  private knownCostUsd = 0;
  private costUnknown = false;
  private exceeded = false;

  constructor(options: GatewayLeaseOptions, gatewayUrl: string) {
    this.options = options;
    this.baseUrl = `${gatewayUrl}/r/${this.id}`;
    this.lease = Object.freeze({
      baseUrl: this.baseUrl,
      token: this.token,
      totals: () => this.totals(),
      budgetExceeded: () => this.exceeded,
      close: () => this.close(),
    });
  }

  /**
   * True when one of `presented` is this lease's token and the lease is open. Digests of equal
   * length are compared in constant time, so neither the token nor its length leaks by timing.
   */
  accepts(presented: readonly string[]): boolean {
    let accepted = false;
    for (const candidate of presented) {
      if (timingSafeEqual(digest(candidate), this.tokenDigest)) accepted = true;
    }
    return accepted && !this.revoked;
  }

  /** Runs `call` as one of the lease's calls in flight, which {@link close} waits for. */
  track(call: Promise<void>): Promise<void> {
    const settled = call.then(
      () => undefined,
      () => undefined,
    );
    this.inFlight.add(settled);
    void settled.then(() => this.inFlight.delete(settled));
    return call;
  }

  /** True when a limit is reached, so the next call must be refused. */
  overLimit(): boolean {
    const limits = this.options.limits ?? {};
    const tokens = this.usage.inputTokens + this.usage.outputTokens;
    if (limits.maxTokens != null && tokens >= limits.maxTokens) return true;
    // Only known costs count: with an unknown price, `maxCostUsd` cannot be enforced.
    return limits.maxCostUsd != null && this.options.price !== null && this.knownCostUsd >= limits.maxCostUsd;
  }

  /** Marks the budget exceeded: a call was refused. */
  refuse(): void {
    this.exceeded = true;
  }

  /** Adds `call` to the totals and tells `onCall`, which must not throw (if it does, it is ignored). */
  record(call: GatewayCall): void {
    this.calls += 1;
    if (call.usage !== null) {
      this.usage.inputTokens += call.usage.inputTokens;
      this.usage.outputTokens += call.usage.outputTokens;
      this.usage.cachedInputTokens += call.usage.cachedInputTokens;
      if (call.costUsd === null) this.costUnknown = true;
      else this.knownCostUsd = Math.round((this.knownCostUsd + call.costUsd) * 1_000_000) / 1_000_000;
    }
    try {
      this.options.onCall?.(call);
    } catch {
      // The ledger's listener failing must not fail the agent's call (the port says it must not throw).
    }
  }

  totals(): GatewayTotals {
    return {
      calls: this.calls,
      usage: { ...this.usage },
      costUsd: this.costUnknown ? null : this.knownCostUsd,
    };
  }

  /** Revokes the token (idempotent) and resolves once the calls in flight have ended. */
  close(): Promise<void> {
    this.revoked = true;
    this.closing ??= (async () => {
      // A call that started while waiting is waited for as well (it was accepted before revocation).
      while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
    })();
    return this.closing;
  }
}
