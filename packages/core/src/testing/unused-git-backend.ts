import type { GitBackend } from '../ports/git-backend.ts';

/**
 * A GitBackend for tests where nothing may use git (text tasks, creating runs): every method
 * rejects, naming the method, so that a call is a test failure rather than a silent success. (`then` is not a method:
 * the backend is no thenable.)
 */
export const unusedGitBackend: GitBackend = new Proxy({} as GitBackend, {
  get: (_target, property) =>
    property === 'then' || typeof property === 'symbol'
      ? undefined
      : () => Promise.reject(new Error(`git ${String(property)} was called, where nothing may use git`)),
});
