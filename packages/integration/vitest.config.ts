import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@goosuke/source'] },
  ssr: { resolve: { conditions: ['@goosuke/source'] } },
  test: {
    name: 'integration',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
});
