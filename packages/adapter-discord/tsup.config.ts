import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts', 'testing/index': 'src/testing/index.ts' },
  format: ['esm'],
  target: 'node22',
  dts: true,
  sourcemap: true,
  clean: true,
  // Keep `node:` modules as written rather than the bare `crypto` specifier.
  removeNodeProtocol: false,
  external: ['@goosuke/core', 'discord.js', 'ws', 'zod', /^@modelcontextprotocol\/sdk/],
});
