import { existsSync, readFileSync } from 'node:fs';
import { builtinModules, createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Core's promise: its main entry and the implementers' entry run anywhere Web APIs exist. This
// reads the BUILT output (what users import) and follows every import reachable from each.
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pureEntries = ['index.js', 'implementing.js'].map((name) => join(packageDir, 'dist', name));
const built = pureEntries.every((file) => existsSync(file));
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));
// The runtime dependencies core may import, each chosen deliberately: small, pure (no I/O, no
// `node:` module, Web APIs only) and well kept. zod is the schema language; jose signs and
// verifies the JWTs; croner reads cron expressions in time zones (core never lets it run a timer).
// Adding one means adding it here, to the manifest and to tsup's externals.
const allowedPackages = ['croner', 'jose', 'zod'];
// Those that must also be free of dependencies of their own, checked in their published entry.
const dependencyFreePackages = ['croner', 'jose'];

function isAllowed(specifier: string): boolean {
  return allowedPackages.some((name) => specifier === name || specifier.startsWith(`${name}/`));
}

/** The ESM entry a bundler or Node picks for `import name`, from the package's exports map. */
function importEntryOf(name: string): string {
  const require = createRequire(join(packageDir, 'package.json'));
  const manifestPath = require.resolve(`${name}/package.json`);
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { exports?: Record<string, unknown> };
  let target: unknown = manifest.exports?.['.'];
  while (typeof target === 'object' && target !== null) {
    const conditions = target as Record<string, unknown>;
    target = conditions.import ?? conditions.default;
  }
  if (typeof target !== 'string') throw new Error(`${name} has no ESM entry in its exports`);
  return join(dirname(manifestPath), target);
}

function importsOf(source: string): string[] {
  const specifiers: string[] = [];
  const pattern =
    /\b(?:import|export)\s*(?:[^'"`;]*?\s*from\s*)?['"]([^'"]+)['"]|\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (const match of source.matchAll(pattern)) specifiers.push((match[1] ?? match[2])!);
  return specifiers;
}

function reachableFrom(file: string): Map<string, string[]> {
  const seen = new Map<string, string[]>();
  const queue = [file];
  while (queue.length > 0) {
    const current = queue.pop()!;
    if (seen.has(current)) continue;
    const specifiers = importsOf(readFileSync(current, 'utf8'));
    seen.set(current, specifiers);
    for (const specifier of specifiers) {
      if (specifier.startsWith('.')) queue.push(resolve(dirname(current), specifier));
    }
  }
  return seen;
}

describe('@goosuke/core built output', () => {
  if (!built && process.env.CI) {
    it('is built before the tests run in CI', () => {
      expect.fail(
        `missing ${pureEntries.filter((file) => !existsSync(file)).join(', ')}: the test command must build first`,
      );
    });
  }

  it.skipIf(!built).each(pureEntries.map((file) => [file.slice(packageDir.length + 1)]))(
    '%s imports nothing but its allowed pure dependencies: no node: module, no other package',
    (name) => {
      const files = reachableFrom(join(packageDir, name));
      expect(files.size).toBeGreaterThan(0);
      const external = [...files.values()].flat().filter((specifier) => !specifier.startsWith('.'));
      const offending = external.filter((specifier) => !isAllowed(specifier));
      expect(offending).toEqual([]);
      expect(external.filter((specifier) => builtins.has(specifier))).toEqual([]);
      // The scan itself must see something: zod is imported.
      expect(external).toContain('zod');
    },
  );

  it('lists every pure entry point of the package manifest', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      exports: Record<string, { import?: string }>;
    };
    const declared = Object.entries(manifest.exports)
      .filter(([subpath]) => subpath !== './testing' && subpath !== './package.json')
      .map(([, target]) => resolve(packageDir, target.import ?? ''));
    expect(declared.sort()).toEqual([...pureEntries].sort());
  });

  it('declares exactly the allowed pure packages as its runtime dependencies', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies ?? {}).sort()).toEqual([...allowedPackages].sort());
  });

  it.each(dependencyFreePackages.map((name) => [name]))(
    '%s, as published, imports no node: module and no other package',
    (name) => {
      const files = reachableFrom(importEntryOf(name));
      expect(files.size).toBeGreaterThan(0);
      const external = [...files.values()].flat().filter((specifier) => !specifier.startsWith('.'));
      expect(external).toEqual([]);
    },
  );

  it('keeps node: imports out of the main sources too (excluding testing/)', async () => {
    const { readdirSync, statSync } = await import('node:fs');
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const name of readdirSync(dir)) {
        const path = join(dir, name);
        if (statSync(path).isDirectory()) {
          if (name !== 'testing' && name !== 'fixtures') walk(path);
        } else if (name.endsWith('.ts') && !name.endsWith('.test.ts')) {
          for (const specifier of importsOf(readFileSync(path, 'utf8'))) {
            if (!specifier.startsWith('.') && !isAllowed(specifier)) offenders.push(`${path}: ${specifier}`);
          }
        }
      }
    };
    walk(join(packageDir, 'src'));
    expect(offenders).toEqual([]);
  });
});
