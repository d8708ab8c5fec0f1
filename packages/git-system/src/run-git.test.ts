import { describe, expect, it } from 'vitest';
import { GitProcessError, gitEnvironment, processFailure, runGitProcess } from './run-git.ts';

describe('runGitProcess', () => {
  it('hands secret configuration to the child through its environment, in both forms git reads', async () => {
    for (const configCount of [true, false]) {
      const outcome = await runGitProcess({
        git: 'git',
        args: ['config', '--get', 'http.https://example.test/.extraheader'],
        secretConfig: [['http.https://example.test/.extraHeader', "Authorization: Basic it's=secret"]],
        configCount,
      });
      expect(outcome.code).toBe(0);
      expect(outcome.stdout.trim()).toBe("Authorization: Basic it's=secret");
    }
  });

  it('builds the environment from scratch: no GIT_* or other variable of the parent, a private HOME', () => {
    process.env.GIT_DIR = '/nonexistent';
    process.env.GOOSUKE_SECRET_KEY = 'must-not-leak';
    try {
      const env = gitEnvironment({});
      expect(env.GIT_DIR).toBeUndefined();
      expect(env.GOOSUKE_SECRET_KEY).toBeUndefined();
      expect(env.HOME).not.toBe(process.env.HOME);
      expect(env.HOME).toMatch(/goosuke-git-home-/);
      expect(env.GIT_TERMINAL_PROMPT).toBe('0');
      expect(env.GIT_CONFIG_NOSYSTEM).toBe('1');
      expect(env.PATH).toBe(process.env.PATH);
    } finally {
      delete process.env.GIT_DIR;
      delete process.env.GOOSUKE_SECRET_KEY;
    }
  });

  it('kills git on timeout and on abort, and refuses more output than allowed', async () => {
    const slow = ['-c', 'alias.wait=!sleep 5', 'wait'];
    const timedOut = await runGitProcess({ git: 'git', args: slow, timeoutMs: 100 }).catch((error) => error);
    expect(timedOut).toBeInstanceOf(GitProcessError);
    expect(processFailure(timedOut, 'cloning x').code).toBe('storage');
    expect(processFailure(timedOut, 'cloning x').retryable).toBe(true);

    const controller = new AbortController();
    const started = runGitProcess({ git: 'git', args: slow, signal: controller.signal }).catch(
      (error) => error,
    );
    setTimeout(() => controller.abort(), 50);
    const aborted = await started;
    expect(aborted).toBeInstanceOf(GitProcessError);
    expect(processFailure(aborted, 'cloning x').code).toBe('canceled');

    const chatty = await runGitProcess({ git: 'git', args: ['help', '-a'], maxOutputBytes: 16 }).catch(
      (error) => error,
    );
    expect(chatty).toBeInstanceOf(GitProcessError);
    expect(chatty.reason).toBe('output');
  });

  it('reports a missing executable as unsupported', async () => {
    const missing = await runGitProcess({ git: '/nonexistent/git', args: ['--version'] }).catch(
      (error) => error,
    );
    expect(missing).toBeInstanceOf(GitProcessError);
    expect(processFailure(missing, 'cloning x').code).toBe('unsupported');
  });
});
