import { defineConfig } from 'tsup';

export default defineConfig({
  entry: { index: 'src/index.ts' },
  format: ['esm'],
  target: 'node22',
  dts: true,
  sourcemap: true,
  clean: true,
  external: ['@goosuke/core', 'better-sqlite3'],
  // kysely is bundled (its licence is in THIRD-PARTY-NOTICES.md): its 257 ES modules took
  // 90-100 ms to resolve and link at every start of a process that opens the store (a
  // `goosuke run` in CI), one bundled module 10 ms. No kysely type is part of this package's API.
  noExternal: ['kysely'],
});
