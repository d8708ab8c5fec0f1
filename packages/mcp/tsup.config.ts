import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  target: 'node22',
  dts: true,
  sourcemap: true,
  clean: true,
  external: ['@goosuke/core', '@goosuke/acp', 'zod', /^@modelcontextprotocol\/sdk/],
});
