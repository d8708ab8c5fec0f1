import { execFile } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * The environment git fixtures run with: a fixed identity (commit ids reproducible within a
 * run) and no user or system configuration, so a developer's git settings cannot change a test.
 */
export const gitFixtureEnvironment: Readonly<Record<string, string>> = Object.freeze({
  GIT_AUTHOR_NAME: 'Fixture Author',
  GIT_AUTHOR_EMAIL: 'fixture@example.test',
  GIT_COMMITTER_NAME: 'Fixture Author',
  GIT_COMMITTER_EMAIL: 'fixture@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
});

/** Options of {@link runGit}. */
export interface RunGitOptions {
  /** Written to git's standard input. */
  input?: string | Buffer;
  /** More variables (e.g. `GIT_INDEX_FILE`), over the fixture environment. */
  env?: Record<string, string>;
  /** `latin1` keeps binary output byte for byte; default `utf8`. */
  encoding?: 'utf8' | 'latin1';
}

/**
 * Runs the git CLI in `cwd` for a test fixture and resolves with its standard output; rejects
 * with git's standard error in the message. Asynchronous on purpose: a test server (a git
 * smart-HTTP server, a fake API) may run in the same process, and a synchronous call would
 * block the event loop it needs.
 */
export function runGit(cwd: string, args: readonly string[], options: RunGitOptions = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'git',
      [...args],
      {
        cwd,
        env: { ...process.env, ...gitFixtureEnvironment, ...options.env },
        maxBuffer: 256 * 1024 * 1024,
        encoding: 'buffer',
      },
      (error, stdout, stderr) => {
        if (error) {
          reject(new Error(`git ${args.join(' ')} failed: ${stderr.toString('utf8')}`, { cause: error }));
        } else resolve(stdout.toString(options.encoding ?? 'utf8'));
      },
    );
    if (options.input !== undefined) child.stdin?.end(options.input);
  });
}

/**
 * Makes a git repository in `dir` (created if missing) with `files` committed on `main`, and
 * resolves with the commit id.
 */
export async function makeGitRepository(
  dir: string,
  files: Readonly<Record<string, string | Buffer>>,
  message = 'initial',
): Promise<string> {
  await mkdir(dir, { recursive: true });
  await runGit(dir, ['init', '-q', '-b', 'main']);
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, name)), { recursive: true });
    await writeFile(path.join(dir, name), content);
  }
  await runGit(dir, ['add', '-A']);
  await runGit(dir, ['commit', '-q', '-m', message]);
  return (await runGit(dir, ['rev-parse', 'HEAD'])).trim();
}
