import * as fs from 'node:fs';
import { type GitAuthor, InvalidInputError, NotFoundError } from '@goosuke/core';
import git from 'isomorphic-git';
import { type BackendContext, cacheFor, hexId } from './backend-context.ts';
import { translateGitError } from './git-errors.ts';

/**
 * The commit `ref` names in the clone at `gitdir`: a full commit id as is (peeled), else
 * `refs/…` as given, `refs/heads/x`, `refs/remotes/x`, `refs/tags/x`, `refs/remotes/origin/x`,
 * then an abbreviated (4+ digits) commit id; annotated tags are peeled. NotFoundError when
 * nothing matches, InvalidInputError when an abbreviation is ambiguous.
 */
export async function resolveIn(context: BackendContext, gitdir: string, ref: string): Promise<string> {
  if (typeof ref !== 'string' || ref.length === 0)
    throw new InvalidInputError('a git ref must be a non-empty string');
  // Only the isomorphic-git reads need its cache (which may hold packs): made on first use.
  const cache = () => cacheFor(context, gitdir);
  const transport = context.options.transport;
  const describe = transport?.describeObject?.bind(transport);
  const peel = async (oid: string): Promise<string> => {
    if (describe === undefined) return (await git.readCommit({ fs, gitdir, oid, cache: cache() })).oid;
    // The system git peels (a tag to its commit) without this process reading any pack.
    const found = await describe({ gitdir, id: oid, peel: 'commit' });
    if (typeof found === 'string') throw new NotFoundError('git commit', oid);
    return found.oid;
  };
  // A full object id names the object, as in git (a ref spelled like one is not looked for):
  // the usual case for runs, which resolve their base commit again and again.
  if (hexId.test(ref)) {
    try {
      return await peel(ref);
    } catch {
      throw new NotFoundError('git ref', ref);
    }
  }
  const candidates = ref.startsWith('refs/')
    ? [ref]
    : ref === 'HEAD'
      ? ['HEAD']
      : [`refs/heads/${ref}`, `refs/remotes/${ref}`, `refs/tags/${ref}`, `refs/remotes/origin/${ref}`];
  for (const candidate of candidates) {
    let oid: string;
    try {
      oid = await git.resolveRef({ fs, gitdir, ref: candidate });
    } catch {
      continue;
    }
    try {
      return await peel(oid);
    } catch (error) {
      throw translateGitError(error, { operation: `resolving ${ref}` });
    }
  }
  const lower = ref.toLowerCase();
  const expand = async (prefix: string): Promise<string> => {
    if (describe === undefined) return git.expandOid({ fs, gitdir, oid: prefix, cache: cache() });
    const found = await describe({ gitdir, id: prefix });
    if (found === 'ambiguous') throw Object.assign(new Error('ambiguous'), { code: 'AmbiguousError' });
    if (found === 'missing') throw new NotFoundError('git object', prefix);
    return found.oid;
  };
  if (/^[0-9a-f]{4,40}$/.test(lower)) {
    try {
      const full = hexId.test(lower) ? lower : await expand(lower);
      return await peel(full);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'AmbiguousError') {
        throw new InvalidInputError(`the abbreviated commit id ${ref} is ambiguous; give more digits`);
      }
    }
  }
  throw new NotFoundError('git ref', ref);
}

/** The commit `refs/heads/<branch>` names in the clone, or null when there is no such branch. */
export async function headOf(gitdir: string, branch: string): Promise<string | null> {
  return git.resolveRef({ fs, gitdir, ref: `refs/heads/${branch}`, depth: 2 }).catch(() => null);
}

/** Whether `ancestor` is a proper ancestor of `oid` (the whole history is walked, breadth first). */
export function descends(
  context: BackendContext,
  gitdir: string,
  oid: string,
  ancestor: string,
): Promise<boolean> {
  const transport = context.options.transport;
  if (transport?.isAncestor !== undefined) return transport.isAncestor({ gitdir, ancestor, oid });
  return git.isDescendent({ fs, gitdir, oid, ancestor, depth: -1, cache: cacheFor(context, gitdir) });
}

/** The rules of `git check-ref-format --branch`, enough to keep a branch name a safe path. */
export async function checkBranchName(branch: string): Promise<void> {
  const bad =
    typeof branch !== 'string' ||
    branch.length === 0 ||
    branch.startsWith('-') ||
    branch.startsWith('/') ||
    branch.endsWith('/') ||
    branch.endsWith('.') ||
    branch.endsWith('.lock') ||
    branch.includes('..') ||
    branch.includes('//') ||
    branch.includes('@{') ||
    branch === '@' ||
    branch === 'HEAD' ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: git forbids control characters in ref names
    /[\u0000-\u0020\u007f~^:?*[\\]/.test(branch) ||
    branch.split('/').some((part) => part.startsWith('.'));
  if (bad) throw new InvalidInputError(`${JSON.stringify(branch)} is not a valid branch name`);
}

/**
 * A commit identity git can write: name and email without `<`, `>` or line breaks (removed, as
 * `formatSignature` does), the name not empty. InvalidInputError otherwise.
 */
export function checkPerson(person: GitAuthor, role: string): GitAuthor {
  const clean = (value: unknown): string =>
    typeof value === 'string' ? value.replace(/[<>\n]/g, '').trim() : '';
  const name = clean(person?.name);
  if (name.length === 0) throw new InvalidInputError(`a ${role} needs a non-empty name`);
  return { name, email: clean(person?.email) };
}
