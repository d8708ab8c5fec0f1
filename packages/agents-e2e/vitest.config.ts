import { defineProject } from 'vitest/config';

// The overhead measurement (test/overhead.measure.ts, minutes long) runs only when asked for.
const measure = process.env.GOOSUKE_AGENTS_BENCH === '1';

export default defineProject({
  resolve: { conditions: ['@goosuke/source'] },
  ssr: { resolve: { conditions: ['@goosuke/source'] } },
  test: {
    name: 'agents-e2e',
    include: measure ? ['test/**/*.measure.ts'] : ['test/**/*.test.ts'],
    // Real agents start in 1-3 s each and a run ends with git work; a loaded 2-core host is slower.
    testTimeout: 120_000,
    hookTimeout: 60_000,
  },
});
