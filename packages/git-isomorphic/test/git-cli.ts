// The real git CLI for fixtures, always asynchronous: a test server may run in this process,
// and execFileSync would block the event loop it needs (deadlock).
import { execFile } from 'node:child_process';

/** Identity and isolation for fixture commits. */
export const fixtureEnvironment = {
  GIT_AUTHOR_NAME: 'Fixture Author',
  GIT_AUTHOR_EMAIL: 'fixture@example.test',
  GIT_COMMITTER_NAME: 'Fixture Author',
  GIT_COMMITTER_EMAIL: 'fixture@example.test',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_CONFIG_GLOBAL: '/dev/null',
};

/** Runs `git args` in `cwd`; resolves with stdout, rejects with stderr in the message. */
export function runGit(cwd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      'git',
      [...args],
      { cwd, env: { ...process.env, ...fixtureEnvironment }, maxBuffer: 256 * 1024 * 1024 },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`git ${args.join(' ')} failed: ${stderr}`, { cause: error }));
        else resolve(stdout);
      },
    );
  });
}
