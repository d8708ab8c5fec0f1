import { defineConfig } from 'vitest/config';

// One root run over every package, so the whole suite reports a single summary.
// Workspace packages resolve to their TypeScript sources through the
// `@goosuke/source` export condition: tests need no prior build.
export default defineConfig({
  resolve: { conditions: ['@goosuke/source'] },
  ssr: { resolve: { conditions: ['@goosuke/source'] } },
  test: {
    projects: ['packages/*'],
  },
});
