import { describe, expect, it } from 'vitest';
import { createDefaultGitBackend, readGitBackendKind } from './git-backend-choice.ts';

describe('the default GitBackend', () => {
  it('reads GOOSUKE_GIT_BACKEND as system, isomorphic or automatic, and refuses anything else', () => {
    expect(readGitBackendKind(undefined)).toBeUndefined();
    expect(readGitBackendKind('')).toBeUndefined();
    expect(readGitBackendKind(' auto ')).toBeUndefined();
    expect(readGitBackendKind('System')).toBe('system');
    expect(readGitBackendKind('isomorphic')).toBe('isomorphic');
    expect(() => readGitBackendKind('libgit2')).toThrow(/GOOSUKE_GIT_BACKEND must be/);
  });

  it('is the system git backend when git >= 2.30 is on PATH, isomorphic-git otherwise', async () => {
    const chosen = await createDefaultGitBackend(undefined);
    expect(chosen.kind).toBe('system');
    expect(typeof chosen.git.clone).toBe('function');
    expect((await createDefaultGitBackend(undefined, { git: '/nonexistent/git' })).kind).toBe('isomorphic');
  });

  it('follows an explicit choice, and refuses system without a usable git as a configuration error', async () => {
    expect((await createDefaultGitBackend('isomorphic')).kind).toBe('isomorphic');
    expect((await createDefaultGitBackend('system')).kind).toBe('system');
    const refused = await createDefaultGitBackend('system', { git: '/nonexistent/git' }).catch(
      (error) => error,
    );
    expect(refused.name).toBe('ConfigurationError');
    expect(refused.code).toBe('unsupported');
    expect(refused.message).toContain('GOOSUKE_GIT_BACKEND=isomorphic');
  });
});
