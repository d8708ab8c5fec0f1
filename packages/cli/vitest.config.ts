import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@goosuke/source'] },
  ssr: { resolve: { conditions: ['@goosuke/source'] } },
  test: {
    name: 'cli',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    // These tests spawn processes, clone repositories and run models against loopback servers:
    // on a loaded two-core CI machine a single one can take several seconds.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
