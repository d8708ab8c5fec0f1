import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@goosuke/source'] },
  ssr: { resolve: { conditions: ['@goosuke/source'] } },
  test: {
    name: 'mcp',
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
  },
});
