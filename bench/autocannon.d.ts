// Types for the part of autocannon's programmatic API the benchmarks use: the package ships none
// and @types/autocannon is not a dependency. Only type-checking reads this file.
declare module 'autocannon' {
  namespace autocannon {
    /** Options of a run; `workers` moves the load generator into worker threads. */
    interface Options {
      url: string;
      method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
      headers?: Record<string, string>;
      body?: string;
      connections?: number;
      /** Seconds. */
      duration?: number;
      workers?: number;
    }

    /** A histogram summary: latencies in ms, request counts per second. */
    interface Histogram {
      average: number;
      mean: number;
      min: number;
      max: number;
      total: number;
      p50: number;
      p90: number;
      p99: number;
    }

    /** What a run resolves to. */
    interface Result {
      requests: Histogram & { sent: number };
      latency: Histogram;
      errors: number;
      timeouts: number;
      non2xx: number;
      resets: number;
      mismatches: number;
      statusCodeStats: Record<string, { count: number }>;
    }
  }

  /** Runs one load test and resolves with its result. */
  function autocannon(options: autocannon.Options): Promise<autocannon.Result>;
  export = autocannon;
}
