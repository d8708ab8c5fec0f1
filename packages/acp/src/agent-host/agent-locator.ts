import { execFile } from 'node:child_process';
import { constants } from 'node:fs';
import { access, readFile, realpath, stat } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { AgentInstallation, BuiltInAgent } from '@goosuke/core';
import type { AgentExecutable } from '../recipes/recipe-types.ts';
import { type BuiltInAgentSource, builtInAgentSources } from './built-in-sources.ts';

/** An agent found (or not) on the host: what `inspect` reports and, when found, how to start it. */
export interface LocatedAgent {
  readonly installation: AgentInstallation;
  /** Null when not installed. */
  readonly executable: AgentExecutable | null;
}

/** Where {@link locateBuiltInAgent} looks, in this order. */
export interface LocateOptions {
  /** An explicit path to the agent's executable (script or binary); when given, nothing else is searched. */
  readonly explicitPath: string | undefined;
  /** Directories the agent's npm package is resolved from, as `require.resolve` would from a file in each. */
  readonly nodeModules: readonly string[];
  /** A PATH-style list of directories searched for the agent's command names. */
  readonly searchPath: string;
  /** How long `<binary> --version` may take. */
  readonly versionTimeoutMs: number;
  readonly platform: string;
  readonly arch: string;
}

/** Characters of a `--version` line kept as the version when it holds no version number. */
const versionChars = 100;
const scriptExtensions = new Set(['.js', '.mjs', '.cjs']);

const missing = (problem: string): LocatedAgent => ({
  installation: { installed: false, path: null, version: null, problem },
  executable: null,
});
const found = (executable: AgentExecutable, version: string | null): LocatedAgent => ({
  installation: { installed: true, path: executable.path, version, problem: null },
  executable,
});

/**
 * Finds a built-in agent: at `explicitPath` when given; else its npm package resolved from each of
 * `nodeModules` (its native platform package first, for Codex); else one of its command names on
 * `searchPath` (a command that belongs to the agent's npm package, as a global npm install's
 * symlink does, is started as that package's). The version comes from the package's
 * `package.json`, or from `<binary> --version` for binaries outside one. Never rejects: what
 * went wrong is the `problem`.
 */
export async function locateBuiltInAgent(agent: BuiltInAgent, options: LocateOptions): Promise<LocatedAgent> {
  const source = builtInAgentSources[agent.name];
  const install = `install it with: ${agent.install}`;
  try {
    if (options.explicitPath !== undefined) {
      const located = await fromFile(options.explicitPath, source, options);
      return located.installation.installed
        ? located
        : missing(`${located.installation.problem} (the path configured for ${agent.name}); ${install}`);
    }
    const looked: string[] = [];
    if (source.npmPackage !== null) {
      for (const root of options.nodeModules) {
        const dir = await packageDir(root, source.npmPackage.name);
        if (dir === null) continue;
        const located = await fromPackage(dir, source, options);
        return located.installation.installed
          ? located
          : missing(`${located.installation.problem}; ${install}`);
      }
      looked.push(
        `no ${source.npmPackage.name} resolvable from ${options.nodeModules.join(', ') || '(no directory)'}`,
      );
    }
    const command = await findOnPath(source.commandNames, options.searchPath);
    if (command !== null) {
      const located = await fromFile(command, source, options);
      return located.installation.installed
        ? located
        : missing(`${located.installation.problem}; ${install}`);
    }
    looked.push(`no ${source.commandNames.join(' or ')} on the search PATH`);
    return missing(`${agent.displayName} was not found: ${looked.join('; ')}; ${install}`);
  } catch (error) {
    return missing(
      `${agent.displayName} could not be inspected: ${(error as Error)?.message ?? error}; ${install}`,
    );
  }
}

/**
 * Finds a custom agent's command: an absolute path must be an executable file; a bare name is
 * looked up on `searchPath` (the agent's own PATH, where `createAcpAgent` will look). The version
 * is not asked (a custom program's `--version` may do anything). Never rejects.
 */
export async function locateCommand(command: string, searchPath: string): Promise<LocatedAgent> {
  try {
    const file = path.isAbsolute(command) ? command : await findOnPath([command], searchPath);
    if (file === null) return missing(`${command} was not found on the agent's PATH (${searchPath})`);
    const problem = await executableProblem(file);
    return problem === null ? found({ path: file, runWith: 'exec' }, null) : missing(problem);
  } catch (error) {
    return missing(`${command} could not be inspected: ${(error as Error)?.message ?? error}`);
  }
}

/** The directory of the npm package `name` as resolution from a file in `root` finds it, or null. */
async function packageDir(root: string, name: string): Promise<string | null> {
  // require.resolve.paths gives Node's lookup directories without loading anything and without
  // the package's `exports` (which may not export package.json) getting in the way.
  const lookup = createRequire(path.join(path.resolve(root), 'index.js')).resolve.paths(name) ?? [];
  for (const dir of lookup) {
    const candidate = path.join(dir, name);
    if (await isFile(path.join(candidate, 'package.json'))) return candidate;
  }
  return null;
}

/** An installed npm package of the agent: its native binary when there is one, else its bin run with Node. */
async function fromPackage(
  dir: string,
  source: BuiltInAgentSource,
  options: LocateOptions,
): Promise<LocatedAgent> {
  const manifest = await readManifest(path.join(dir, 'package.json'));
  const version = typeof manifest.version === 'string' ? manifest.version : null;
  if (source.nativePackage !== null) {
    const native = source.nativePackage(options.platform, options.arch);
    const nativeDir = await packageDir(dir, native.name);
    if (nativeDir !== null) {
      const binary = path.join(nativeDir, native.path);
      if ((await executableProblem(binary)) === null) {
        return found({ path: await realpath(binary), runWith: 'exec' }, version);
      }
    }
  }
  const binName = source.npmPackage?.bin ?? '';
  const bin = typeof manifest.bin === 'string' ? manifest.bin : (manifest.bin?.[binName] ?? null);
  if (typeof bin !== 'string') {
    return missing(`${path.join(dir, 'package.json')} declares no bin ${binName}`);
  }
  const script = path.resolve(dir, bin);
  if (!(await isFile(script))) return missing(`${script} (the bin of ${dir}) does not exist`);
  return found({ path: await realpath(script), runWith: 'node' }, version);
}

/** An executable given by path: the agent's package's when it belongs to one, a script or a binary otherwise. */
async function fromFile(
  file: string,
  source: BuiltInAgentSource,
  options: LocateOptions,
): Promise<LocatedAgent> {
  if (!path.isAbsolute(file)) return missing(`${file} is not an absolute path`);
  let real: string;
  try {
    real = await realpath(file);
  } catch {
    return missing(`${file} does not exist`);
  }
  if (!(await isFile(real))) return missing(`${file} is not a file`);
  const owner = await owningPackage(real);
  const native = source.nativePackage?.(options.platform, options.arch) ?? null;
  if (owner !== null && owner.name === source.npmPackage?.name) {
    return await fromPackage(owner.dir, source, options);
  }
  if (owner !== null && owner.name === native?.name) {
    return found({ path: real, runWith: 'exec' }, owner.version);
  }
  if (scriptExtensions.has(path.extname(real)))
    return found({ path: real, runWith: 'node' }, owner?.version ?? null);
  const problem = await executableProblem(real);
  if (problem !== null) return missing(problem);
  return found({ path: real, runWith: 'exec' }, await binaryVersion(real, options.versionTimeoutMs));
}

/** The nearest package.json above `file` that has a name, or null. */
async function owningPackage(
  file: string,
): Promise<{ dir: string; name: string; version: string | null } | null> {
  for (let dir = path.dirname(file); ; dir = path.dirname(dir)) {
    const manifestPath = path.join(dir, 'package.json');
    if (await isFile(manifestPath)) {
      const manifest = await readManifest(manifestPath).catch(() => null);
      if (typeof manifest?.name === 'string') {
        return {
          dir,
          name: manifest.name,
          version: typeof manifest.version === 'string' ? manifest.version : null,
        };
      }
    }
    if (path.dirname(dir) === dir) return null;
  }
}

interface Manifest {
  name?: unknown;
  version?: unknown;
  bin?: string | Record<string, string>;
}

async function readManifest(file: string): Promise<Manifest> {
  const parsed: unknown = JSON.parse(await readFile(file, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${file} is not a package manifest`);
  return parsed as Manifest;
}

/** The first of `names` found as an executable file in a directory of `searchPath`, or null. */
async function findOnPath(names: readonly string[], searchPath: string): Promise<string | null> {
  // Relative entries would resolve against this process's cwd: skipped, as a sandboxed agent could not use them.
  const dirs = searchPath.split(path.delimiter).filter((dir) => path.isAbsolute(dir));
  for (const name of names) {
    for (const dir of dirs) {
      const candidate = path.join(dir, name);
      if ((await executableProblem(candidate)) === null) return candidate;
    }
  }
  return null;
}

/** Why `file` cannot be executed, or null when it can. */
async function executableProblem(file: string): Promise<string | null> {
  if (!(await isFile(file))) return `${file} does not exist or is not a file`;
  try {
    await access(file, constants.X_OK);
    return null;
  } catch {
    return `${file} is not executable`;
  }
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * What `binary --version` prints, reduced to its version number when it has one (`goose 1.9.0`
 * → `1.9.0`); null when it fails or outlasts `timeoutMs`. Run with a bare environment.
 */
function binaryVersion(binary: string, timeoutMs: number): Promise<string | null> {
  return new Promise((resolve) => {
    execFile(
      binary,
      ['--version'],
      {
        env: { PATH: '/usr/bin:/bin', LANG: 'C.UTF-8' },
        timeout: timeoutMs,
        killSignal: 'SIGKILL',
        maxBuffer: 64 * 1024,
      },
      (error, stdout) => {
        if (error !== null) return resolve(null);
        const line = String(stdout)
          .split('\n')
          .map((text) => text.trim())
          .find((text) => text !== '');
        if (line === undefined) return resolve(null);
        resolve(/\d+\.\d+(?:\.\d+)?(?:[-+][\w.-]+)?/.exec(line)?.[0] ?? line.slice(0, versionChars));
      },
    );
  });
}
