import type { GitBackend } from '@goosuke/core';
import { createIsomorphicGitBackend } from '@goosuke/git-isomorphic';
import { createSystemGitBackend, detectSystemGit, minimumGitVersion } from '@goosuke/git-system';
import { ConfigurationError } from './configuration-error.ts';

/** Which GitBackend the default composition uses (`GOOSUKE_GIT_BACKEND`). */
export type GitBackendKind = 'system' | 'isomorphic';

/**
 * `GOOSUKE_GIT_BACKEND`: `system`, `isomorphic`, or undefined when unset, empty or `auto` (the
 * system git when there is one). ConfigurationError (exit code 3) for anything else.
 */
export function readGitBackendKind(value: string | undefined): GitBackendKind | undefined {
  const kind = value?.trim().toLowerCase() ?? '';
  if (kind === '' || kind === 'auto') return undefined;
  if (kind === 'system' || kind === 'isomorphic') return kind;
  throw new ConfigurationError('invalid_input', 'GOOSUKE_GIT_BACKEND must be system, isomorphic or auto');
}

/**
 * The default composition's GitBackend, with hard-linked working copies (Goosuke's own edit
 * agent only replaces files; see ADR 0002): `@goosuke/git-system` when `kind` is `system`, or
 * when it is undefined and git >= 2.30 is on PATH; `@goosuke/git-isomorphic` (pure JavaScript)
 * when `kind` is `isomorphic` or no such git is found. ConfigurationError (`unsupported`) when
 * `system` is asked for and there is no usable git. `git` names another executable (tests).
 */
export async function createDefaultGitBackend(
  kind: GitBackendKind | undefined,
  options: { git?: string } = {},
): Promise<{ kind: GitBackendKind; git: GitBackend }> {
  if (kind !== 'isomorphic') {
    const found = await detectSystemGit(options.git === undefined ? {} : { git: options.git });
    if (found !== undefined) {
      return {
        kind: 'system',
        // The detection just made: the backend does not start `git --version` again.
        git: createSystemGitBackend({ git: found.path, checkout: 'hardlink', detected: found }),
      };
    }
    if (kind === 'system') {
      throw new ConfigurationError(
        'unsupported',
        `GOOSUKE_GIT_BACKEND=system needs git >= ${minimumGitVersion} on PATH; install it or set GOOSUKE_GIT_BACKEND=isomorphic`,
      );
    }
  }
  return { kind: 'isomorphic', git: createIsomorphicGitBackend({ checkout: 'hardlink' }) };
}
