import { defineProject } from 'vitest/config';

export default defineProject({
  resolve: { conditions: ['@goosuke/source'] },
  ssr: { resolve: { conditions: ['@goosuke/source'] } },
  test: { name: 'adapter-discord', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
