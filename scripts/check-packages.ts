// The published packages as a user's project receives them: `npm run check:packages` packs every
// public workspace (after a build) and checks each tarball with publint (strict: warnings fail),
// with Are the Types Wrong? (the `esm-only` profile: Goosuke ships ES modules only, so `require`
// and node10 resolution are out of scope) and for undeclared imports: every package a built
// entry point imports, following its relative imports, is a Node builtin, the package itself, or
// one of its dependencies or peer dependencies. Given `.tgz` paths it checks those instead; with
// `--out DIR` (`npm run pack:packages`) it keeps the tarballs it packed in DIR, to install elsewhere.
// packages/integration/test/packed-install.test.ts calls `packPackages` and `checkTarball`.
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { checkPackage, createPackageFromTarballData, type Package } from '@arethetypeswrong/core';
import { problemKindInfo } from '@arethetypeswrong/core/problems';
import { init as initModuleLexer, parse as parseModule } from 'es-module-lexer';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Module resolutions a consumer of an ESM-only package never uses (attw's `esm-only` profile). */
const ignoredResolutions = new Set(['node10', 'node16-cjs']);

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

/** A workspace package packed by `npm pack`. */
export interface PackedPackage {
  readonly name: string;
  readonly version: string;
  /** Absolute path of the `.tgz`. */
  readonly tarball: string;
}

/** The directories (relative to `from`) of the workspace packages that are published: not `private`. */
export function publicPackageDirs(from = root): string[] {
  return readdirSync(join(from, 'packages'))
    .sort()
    .map((name) => join('packages', name))
    .filter((dir) => {
      try {
        return !(JSON.parse(readFileSync(join(from, dir, 'package.json'), 'utf8')) as Manifest).private;
      } catch {
        return false;
      }
    });
}

/**
 * Packs every public workspace package of the repository at `from` into `destination` with
 * `npm pack` (as `npm publish` would pack it) and returns the tarballs. The packages must be built.
 */
export async function packPackages(
  destination: string,
  options: { from?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<PackedPackage[]> {
  const from = options.from ?? root;
  const workspaces = publicPackageDirs(from).flatMap((dir) => ['--workspace', dir]);
  const { stdout } = await run(
    'npm',
    ['pack', '--json', '--loglevel=error', '--pack-destination', destination, ...workspaces],
    { cwd: from, env: options.env ?? process.env, maxBuffer: 64 * 1024 * 1024 },
  );
  const packed = JSON.parse(stdout) as Array<{ name: string; version: string; filename: string }>;
  return packed.map((entry) => ({
    name: entry.name,
    version: entry.version,
    tarball: join(destination, basename(entry.filename)),
  }));
}

/** The package a bare import specifier names: `@scope/name` or `name`. */
function packageOf(specifier: string): string {
  const parts = specifier.split('/');
  return specifier.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0]!;
}

const builtins = new Set(builtinModules);
const isBuiltin = (specifier: string) => specifier.startsWith('node:') || builtins.has(packageOf(specifier));

// Static imports and re-exports, side-effect imports and dynamic imports of a literal, read by
// es-module-lexer (the lexer Vite uses): a regular expression also found the `import ... from
// 'kysely'` of a doc comment in bundled code. `require`/`require.resolve` through createRequire
// (which the lexer does not see) by pattern.
await initModuleLexer;
const requirePattern = /\brequire(?:\.resolve)?\(\s*(['"])([^'"\n]+)\1\s*\)/g;

/** The specifiers `text` (an ES module) imports. */
function specifiersOf(text: string): string[] {
  const [imports] = parseModule(text);
  const specifiers = imports.flatMap((entry) => (entry.n === undefined ? [] : [entry.n]));
  for (const match of text.matchAll(requirePattern)) specifiers.push(match[2]!);
  return specifiers;
}

/** The bare specifiers the JavaScript reachable from `entry` (a file of `pkg`) imports. */
function bareImportsFrom(pkg: Package, entry: string): Map<string, string> {
  const found = new Map<string, string>();
  const seen = new Set<string>();
  const queue = [entry];
  for (let file = queue.pop(); file !== undefined; file = queue.pop()) {
    if (seen.has(file)) continue;
    seen.add(file);
    const text = pkg.tryReadFile(file);
    if (text === undefined) continue;
    for (const specifier of specifiersOf(text)) {
      if (specifier.startsWith('.')) queue.push(posix.join(posix.dirname(file), specifier));
      else if (!found.has(specifier)) found.set(specifier, file);
    }
  }
  return found;
}

/** The JavaScript file each `exports` subpath's `import` (or `default`) condition points at. */
function entryFiles(manifest: Manifest): string[] {
  const files: string[] = [];
  for (const [subpath, target] of Object.entries(manifest.exports ?? {})) {
    const file = typeof target === 'string' ? target : (target.import ?? target.default);
    if (file !== undefined && /\.[cm]?js$/.test(file) && !subpath.endsWith('.json')) files.push(file);
  }
  return files;
}

/** Imports of the package's built entry points that its manifest does not declare. */
function undeclaredImports(pkg: Package): string[] {
  const base = `/node_modules/${pkg.packageName}`;
  const manifest = JSON.parse(pkg.readFile(`${base}/package.json`)) as Manifest;
  const declared = new Set([
    manifest.name,
    ...Object.keys(manifest.dependencies ?? {}),
    ...Object.keys(manifest.peerDependencies ?? {}),
  ]);
  const problems: string[] = [];
  for (const entry of entryFiles(manifest)) {
    for (const [specifier, file] of bareImportsFrom(pkg, posix.join(base, entry))) {
      if (isBuiltin(specifier) || declared.has(packageOf(specifier))) continue;
      problems.push(
        `${file.slice(base.length + 1)} imports '${specifier}', which is neither a dependency nor a peer dependency`,
      );
    }
  }
  return problems;
}

/** What checking one tarball found: one line per problem, none when the package is fine. */
export interface TarballCheck {
  readonly name: string;
  readonly problems: readonly string[];
}

/** Checks one packed package with publint (strict), attw (`esm-only`) and for undeclared imports. */
export async function checkTarball(tarball: string): Promise<TarballCheck> {
  const data = await readFile(tarball);
  const bytes = data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength);
  const problems: string[] = [];

  const lint = await publint({ pack: { tarball: bytes }, strict: true, level: 'suggestion' });
  for (const message of lint.messages) {
    problems.push(
      `publint ${message.type}: ${formatMessage(message, lint.pkg, { color: false }) ?? message.code}`,
    );
  }

  const pkg = createPackageFromTarballData(new Uint8Array(bytes));
  const analysis = await checkPackage(pkg);
  if (analysis.types === false) {
    problems.push('attw: the package ships no type declarations');
  } else {
    for (const problem of analysis.problems) {
      if ('resolutionKind' in problem && ignoredResolutions.has(problem.resolutionKind)) continue;
      const where = 'entrypoint' in problem ? ` (${problem.entrypoint}, ${problem.resolutionKind})` : '';
      const info = problemKindInfo[problem.kind];
      problems.push(`attw ${problem.kind}${where}: ${info.description} ${info.docsUrl}`);
    }
  }

  for (const problem of undeclaredImports(pkg)) problems.push(`imports: ${problem}`);
  return { name: pkg.packageName, problems };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const outIndex = args.indexOf('--out');
  const out = outIndex === -1 ? undefined : args[outIndex + 1];
  if (outIndex !== -1 && out === undefined) throw new Error('--out needs a directory');
  const given = args.filter((argument) => argument.endsWith('.tgz'));
  const scratch =
    given.length > 0
      ? undefined
      : out === undefined
        ? mkdtempSync(join(tmpdir(), 'goosuke-pack-'))
        : undefined;
  if (out !== undefined && given.length === 0) {
    mkdirSync(resolve(out), { recursive: true });
    // Older tarballs would be installed along with the new ones by `npm install DIR/*.tgz`.
    for (const name of readdirSync(resolve(out))) {
      if (/^goosuke-.*\.tgz$/.test(name)) rmSync(join(resolve(out), name));
    }
  }
  try {
    const tarballs =
      given.length > 0
        ? given.map((file) => resolve(file))
        : (await packPackages(scratch ?? resolve(out!))).map((packed) => packed.tarball);
    let failed = 0;
    for (const tarball of tarballs) {
      const { name, problems } = await checkTarball(tarball);
      if (problems.length > 0) failed += 1;
      console.log(`${problems.length === 0 ? 'ok  ' : 'FAIL'} ${name}`);
      for (const problem of problems) console.log(`     ${problem}`);
    }
    console.log(
      `${tarballs.length - failed} of ${tarballs.length} packages pass publint, attw and the import check`,
    );
    if (out !== undefined && given.length === 0) console.log(`the tarballs are in ${resolve(out)}`);
    process.exitCode = failed === 0 ? 0 : 1;
  } finally {
    if (scratch !== undefined) rmSync(scratch, { recursive: true, force: true });
  }
}
