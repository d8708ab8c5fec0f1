import { defineConfig } from 'tsup';

export default defineConfig({
  // The network bridge is its own file: the bubblewrap sandbox runs it by path next to itself,
  // inside the agent's namespaces, with Node.
  entry: { index: 'src/index.ts', 'net-bridge': 'src/net-bridge.ts' },
  format: ['esm'],
  target: 'node22',
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  external: ['@goosuke/core', '@agentclientprotocol/sdk'],
});
