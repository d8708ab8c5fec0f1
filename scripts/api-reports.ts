// The API reports: one `packages/<pkg>/api/<entry>.api.md` per published entry point, made by
// API Extractor from the built `dist/*.d.ts` and made canonical (see canonical-api-report.ts).
// `npm run api:update` rewrites them (after a build); the test suite calls `checkApiReports()`
// and fails when a public surface changed without its report. Shared settings live in
// `api-extractor.json` at the repository root; the per-entry ones (which package, which .d.ts,
// which report file) are set here.
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { diffLines } from '@goosuke/core/implementing';
import {
  CompilerState,
  Extractor,
  ExtractorConfig,
  ExtractorLogLevel,
  ExtractorMessageId,
  type IConfigFile,
} from '@microsoft/api-extractor';
import type { Program } from 'typescript';
import { canonicalApiReport } from './canonical-api-report.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const baseConfigPath = join(root, 'api-extractor.json');

/** One published entry point: a package's `exports` subpath and the declarations it ships. */
export interface ApiEntry {
  /** `@goosuke/core`, `@goosuke/core/testing`… */
  readonly specifier: string;
  readonly packageDir: string;
  /** Absolute path of the entry's built `.d.ts`. */
  readonly typesFile: string;
  /** Absolute path of the checked-in report. */
  readonly reportFile: string;
}

/** What checking (or updating) one entry found. */
export interface ApiEntryResult {
  readonly entry: ApiEntry;
  /** The surface differs from the checked-in report (or the report is missing). */
  readonly changed: boolean;
  /**
   * API Extractor errors (a missing build, a declaration it cannot read), and types the surface
   * names that no entry of the package exports.
   */
  readonly errors: readonly string[];
  /** The report's lines that differ (`-`) from the surface's (`+`), numbered; empty when equal. */
  readonly diff: readonly string[];
}

interface PackageManifest {
  name: string;
  private?: boolean;
  exports?: Record<string, string | { types?: string }>;
}

/** Every published entry point of every workspace package, in a stable order. */
export function listApiEntries(): ApiEntry[] {
  const entries: ApiEntry[] = [];
  const packagesDir = join(root, 'packages');
  for (const name of readdirSync(packagesDir).sort()) {
    const packageDir = join(packagesDir, name);
    const manifestPath = join(packageDir, 'package.json');
    if (!existsSync(manifestPath)) continue;
    const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as PackageManifest;
    if (manifest.private === true || manifest.exports === undefined) continue;
    for (const [subpath, target] of Object.entries(manifest.exports)) {
      const types = typeof target === 'string' ? undefined : target.types;
      if (types === undefined) continue; // ./package.json
      const entryName = subpath === '.' ? 'index' : subpath.slice(2).replaceAll('/', '-');
      entries.push({
        specifier: subpath === '.' ? manifest.name : `${manifest.name}/${subpath.slice(2)}`,
        packageDir,
        typesFile: join(packageDir, types),
        reportFile: join(packageDir, 'api', `${entryName}.api.md`),
      });
    }
  }
  return entries;
}

function configFor(entry: ApiEntry, base: IConfigFile): ExtractorConfig {
  const configObject: IConfigFile = {
    ...base,
    projectFolder: entry.packageDir,
    mainEntryPointFilePath: entry.typesFile,
    compiler: { overrideTsconfig: { ...base.compiler?.overrideTsconfig, files: [entry.typesFile] } },
    apiReport: {
      ...base.apiReport,
      enabled: true,
      reportFileName: basename(entry.reportFile),
      // API Extractor writes the report here and compares it with itself: the comparison with
      // the checked-in report is done here, after making the new one canonical.
      reportFolder: scratchFolder(entry),
      reportTempFolder: scratchFolder(entry),
    },
  };
  return ExtractorConfig.prepare({
    configObject,
    configObjectFullPath: baseConfigPath,
    packageJsonFullPath: join(entry.packageDir, 'package.json'),
  });
}

// Build output, like the .d.ts the report is made from.
function scratchFolder(entry: ApiEntry): string {
  return join(entry.packageDir, 'dist', 'api-report');
}

/**
 * Runs API Extractor on every entry (or those whose specifier is in `only`). With `update` the
 * reports are rewritten; without, they are compared and left alone. Needs `npm run build` first.
 */
export function checkApiReports(
  options: { update?: boolean; only?: readonly string[] } = {},
): ApiEntryResult[] {
  const base = ExtractorConfig.loadFile(baseConfigPath);
  const entries = listApiEntries().filter(
    (entry) => options.only === undefined || options.only.includes(entry.specifier),
  );
  const missing = entries.filter((entry) => !existsSync(entry.typesFile));
  if (missing.length > 0) {
    return missing.map((entry) => ({
      entry,
      changed: false,
      errors: [`${relative(root, entry.typesFile)} is missing: run \`npm run build\` first`],
      diff: [],
    }));
  }
  // One TypeScript program for every entry: the entries share most of their declarations.
  const configs = entries.map((entry) => configFor(entry, base));
  const compilerState = CompilerState.create(configs[0]!, {
    additionalEntryPoints: entries.map((entry) => entry.typesFile),
  });
  const exported = exportedNames(compilerState, entries);
  return entries.map((entry, index) => {
    const errors: string[] = [];
    // A report left by an earlier run must not stand in for this one.
    const made = join(scratchFolder(entry), basename(entry.reportFile));
    rmSync(made, { force: true });
    Extractor.invoke(configs[index]!, {
      compilerState,
      messageCallback: (message) => {
        message.handled = true;
        if (message.messageId === ExtractorMessageId.ForgottenExport) {
          // A subpath naming a type of its package's main entry is fine; a type no entry
          // exports is not: a user could not name it.
          const name = /The symbol "([^"]+)"/.exec(message.text)?.[1] ?? message.text;
          const elsewhere = entries.some(
            (other) => other.packageDir === entry.packageDir && exported.get(other)?.has(name),
          );
          if (!elsewhere) {
            errors.push(
              `its surface names \`${name}\`, which no entry of the package exports: export it or stop naming it`,
            );
          }
        } else if (message.logLevel === ExtractorLogLevel.Error) {
          errors.push(message.formatMessageWithLocation(root));
        }
        // Everything else is in the report (and so in its diff) or turned off in the config.
      },
    });
    if (!existsSync(made)) {
      return { entry, changed: false, errors: [...errors, 'API Extractor wrote no report'], diff: [] };
    }
    const actual = canonicalApiReport(readFileSync(made, 'utf8'));
    const expected = existsSync(entry.reportFile) ? readFileSync(entry.reportFile, 'utf8') : '';
    const changed = actual !== expected;
    if (changed && options.update === true) {
      mkdirSync(dirname(entry.reportFile), { recursive: true });
      writeFileSync(entry.reportFile, actual);
    }
    return { entry, changed, errors, diff: changed ? changedLines(expected, actual) : [] };
  });
}

// At most this many changed lines are shown; the report's own diff (git) has the rest.
const shownChanges = 40;

function changedLines(expected: string, actual: string): string[] {
  const before = expected.split('\n');
  const after = actual.split('\n');
  const changes = diffLines(before, after)
    .filter((line) => line.kind !== ' ')
    .map((line) =>
      line.kind === '-'
        ? `${String(line.aIndex + 1).padStart(5)} - ${before[line.aIndex]}`
        : `${String(line.bIndex + 1).padStart(5)} + ${after[line.bIndex]}`,
    );
  return changes.length > shownChanges
    ? [...changes.slice(0, shownChanges), `      … ${changes.length - shownChanges} more`]
    : changes;
}

/** The names each entry's declarations export, read from the shared program. */
function exportedNames(
  compilerState: CompilerState,
  entries: readonly ApiEntry[],
): Map<ApiEntry, Set<string>> {
  // API Extractor types its program as unknown; it is the TypeScript of the same version.
  const program = compilerState.program as Program;
  const checker = program.getTypeChecker();
  const names = new Map<ApiEntry, Set<string>>();
  for (const entry of entries) {
    const source = program.getSourceFile(entry.typesFile);
    const module = source === undefined ? undefined : checker.getSymbolAtLocation(source);
    const exports = module === undefined ? [] : checker.getExportsOfModule(module);
    names.set(entry, new Set(exports.map((symbol) => symbol.getName())));
  }
  return names;
}

/** The lines a failed check prints: which entries changed and what to do. */
export function describeProblems(results: readonly ApiEntryResult[], updated: boolean): string[] {
  const lines: string[] = [];
  for (const { entry, changed, errors, diff } of results) {
    for (const error of errors) lines.push(`${entry.specifier}: ${error}`);
    if (changed && !updated) {
      lines.push(
        `${entry.specifier}: the public surface differs from ${relative(root, entry.reportFile)}; ` +
          'if the change is intended, run `npm run api:update` and commit the report',
        ...diff,
      );
    }
  }
  return lines;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const update = process.argv.includes('--update');
  const only = process.argv.slice(2).filter((argument) => !argument.startsWith('--'));
  const started = performance.now();
  const results = checkApiReports({ update, ...(only.length > 0 ? { only } : {}) });
  const problems = describeProblems(results, update);
  for (const line of problems) console.error(line);
  const changed = results.filter((result) => result.changed).map((result) => result.entry.specifier);
  if (update && changed.length > 0) console.log(`updated: ${changed.join(', ')}`);
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(`${results.length} API reports ${update ? 'updated' : 'checked'} in ${seconds} s`);
  process.exitCode = problems.length === 0 ? 0 : 1;
}
