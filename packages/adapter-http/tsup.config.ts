import { copyFile, mkdir } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { defineConfig } from 'tsup';

/**
 * Copies ReDoc's self-contained bundle and its licences into `dist/assets`, where the router
 * serves it from: redoc stays a dev dependency, so installs do not pull in its React peers.
 */
async function copyRedocBundle(): Promise<void> {
  const require = createRequire(path.join(process.cwd(), 'package.json'));
  const redocDir = path.dirname(require.resolve('redoc/package.json'));
  const assets = path.join(process.cwd(), 'dist', 'assets');
  await mkdir(assets, { recursive: true });
  for (const [from, to] of [
    ['bundles/redoc.standalone.js', 'redoc.standalone.js'],
    ['bundles/redoc.standalone.js.LICENSE.txt', 'redoc.standalone.js.LICENSE.txt'],
    ['LICENSE', 'redoc.LICENSE'],
  ] as const) {
    await copyFile(path.join(redocDir, from), path.join(assets, to));
  }
}

export default defineConfig({
  // goose-config: Goose's config.yaml read and written with `yaml`, without Express (the CLI uses it).
  entry: { index: 'src/index.ts', 'goose-config': 'src/goose-config-yaml.ts' },
  format: ['esm'],
  target: 'node22',
  dts: true,
  sourcemap: true,
  clean: true,
  onSuccess: copyRedocBundle,
});
