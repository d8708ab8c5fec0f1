import { defineConfig } from 'tsup';

export default defineConfig({
  // The snapshot worker is its own file: `snapshot-build.ts` starts it by URL next to itself.
  entry: { index: 'src/index.ts', 'snapshot-worker': 'src/snapshot-worker.ts' },
  format: ['esm'],
  target: 'node22',
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  external: ['@goosuke/core', 'isomorphic-git'],
});
