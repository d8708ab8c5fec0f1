import { GitProcessError, runGitProcess } from './run-git.ts';

/** The oldest git this package works with (it relies on `--no-write-fetch-head`, `--force --prune` with forced tag refspecs and `http.<url>.extraHeader`). */
export const minimumGitVersion = '2.30.0';

/** A git found on the machine. */
export interface SystemGit {
  /** The executable, as given (`git` looks it up on PATH). */
  readonly path: string;
  /** Its version, `major.minor.patch` (e.g. `2.39.5`). */
  readonly version: string;
}

/** Options of {@link detectSystemGit}. */
export interface DetectSystemGitOptions {
  /** The executable to try (default `git`, looked up on PATH). */
  git?: string;
  /** Gives up after this long (default 10 s). */
  timeoutMs?: number;
}

/** Compares two dotted versions numerically: negative, zero or positive. */
export function compareVersions(left: string, right: string): number {
  const a = left.split('.').map((part) => Number.parseInt(part, 10) || 0);
  const b = right.split('.').map((part) => Number.parseInt(part, 10) || 0);
  for (let index = 0; index < Math.max(a.length, b.length); index++) {
    const difference = (a[index] ?? 0) - (b[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

/** The version `git --version` printed (`git version 2.39.5`, `git version 2.39.5.windows.1`), or undefined. */
export function parseGitVersion(text: string): string | undefined {
  const match = /^git version (\d+)\.(\d+)(?:\.(\d+))?/m.exec(text.trim());
  return match === null ? undefined : `${match[1]}.${match[2]}.${match[3] ?? '0'}`;
}

/**
 * The system git and its version when it runs and is at least {@link minimumGitVersion};
 * undefined otherwise (not installed, not runnable, too old). Never rejects.
 */
export async function detectSystemGit(options: DetectSystemGitOptions = {}): Promise<SystemGit | undefined> {
  const git = options.git ?? 'git';
  try {
    const outcome = await runGitProcess({ git, args: ['--version'], timeoutMs: options.timeoutMs ?? 10_000 });
    if (outcome.code !== 0) return undefined;
    const version = parseGitVersion(outcome.stdout);
    if (version === undefined || compareVersions(version, minimumGitVersion) < 0) return undefined;
    return { path: git, version };
  } catch (error) {
    if (error instanceof GitProcessError) return undefined;
    throw error;
  }
}
