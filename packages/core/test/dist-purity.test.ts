import { existsSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// Core's promise: its main entry and the implementers' entry run anywhere Web APIs exist. This
// reads the BUILT output (what users import) and follows every import reachable from each.
const packageDir = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pureEntries = ['index.js', 'implementing.js'].map((name) => join(packageDir, 'dist', name));
const built = pureEntries.every((file) => existsSync(file));
const builtins = new Set(builtinModules.flatMap((name) => [name, `node:${name}`]));

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
    '%s imports nothing but zod: no node: module, no other package',
    (name) => {
      const files = reachableFrom(join(packageDir, name));
      expect(files.size).toBeGreaterThan(0);
      const external = [...files.values()].flat().filter((specifier) => !specifier.startsWith('.'));
      const offending = external.filter((specifier) => specifier !== 'zod' && !specifier.startsWith('zod/'));
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

  it('declares zod as its only runtime dependency', () => {
    const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    expect(Object.keys(manifest.dependencies ?? {})).toEqual(['zod']);
  });

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
            if (!specifier.startsWith('.') && specifier !== 'zod') offenders.push(`${path}: ${specifier}`);
          }
        }
      }
    };
    walk(join(packageDir, 'src'));
    expect(offenders).toEqual([]);
  });
});
