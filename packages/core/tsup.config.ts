import { defineConfig } from 'tsup';

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    implementing: 'src/implementing.ts',
    'testing/index': 'src/testing/index.ts',
  },
  format: ['esm'],
  target: 'node22',
  dts: true,
  sourcemap: true,
  clean: true,
  splitting: true,
  treeshake: true,
  // vitest and node: builtins stay imports; only `testing` may use them (checked by a test).
  external: ['vitest', 'zod', 'jose', 'croner'],
});
