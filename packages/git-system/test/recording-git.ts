import { existsSync } from 'node:fs';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** One git invocation seen by the recording wrapper: its arguments and its whole environment. */
export interface RecordedInvocation {
  args: string[];
  env: Map<string, string>;
}

/** The real git executable on PATH. */
export function realGit(): string {
  for (const directory of (process.env.PATH ?? '').split(path.delimiter)) {
    const candidate = path.join(directory, 'git');
    if (directory !== '' && existsSync(candidate)) return candidate;
  }
  throw new Error('git is not on PATH');
}

/**
 * Writes `<directory>/git`, a wrapper that records each invocation's argv (what `ps` shows)
 * and environment to `<directory>/invocations.log`, then runs the real git with them.
 * Tests pass its path as the backend's `git`.
 */
export async function writeRecordingGit(directory: string): Promise<{
  git: string;
  invocations: () => Promise<RecordedInvocation[]>;
}> {
  const git = path.join(directory, 'git');
  const log = path.join(directory, 'invocations.log');
  // Arguments separated by \037, then the environment, one invocation per \036-ended record.
  const script = [
    '#!/bin/sh',
    // One record, one write: git children started at once append whole records.
    `record=$({ printf 'ARGS'; for a in "$@"; do printf '\\037%s' "$a"; done; printf '\\035'; env; printf '\\036'; })`,
    `printf '%s' "$record" >> '${log}'`,
    `exec '${realGit()}' "$@"`,
    '',
  ].join('\n');
  await writeFile(git, script);
  await chmod(git, 0o755);
  await writeFile(log, '');
  return {
    git,
    async invocations() {
      const text = await readFile(log, 'utf8');
      return text
        .split('\x1e')
        .filter((record) => record.startsWith('ARGS'))
        .map((record) => {
          const [argsPart = '', envPart = ''] = record.split('\x1d');
          const env = new Map<string, string>();
          for (const line of envPart.split('\n')) {
            const equals = line.indexOf('=');
            if (equals > 0) env.set(line.slice(0, equals), line.slice(equals + 1));
          }
          return { args: argsPart.split('\x1f').slice(1), env };
        });
    },
  };
}

/** The git subcommand of an invocation (the first argument after the `-c`/`--git-dir` options). */
export function subcommand(invocation: RecordedInvocation): string | undefined {
  const args = invocation.args;
  for (let index = 0; index < args.length; index++) {
    const arg = args[index]!;
    if (arg === '-c' || arg === '-C') index++;
    else if (!arg.startsWith('-')) return arg;
  }
  return undefined;
}
