import * as fs from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { ConflictError, type GitAuth, NotFoundError, type RepoCheckout } from '@goosuke/core';
import git, { type AuthCallback } from 'isomorphic-git';
import { type BackendContext, cacheFor, type OptionsOf, progress } from './backend-context.ts';
import { isHttpUrl, localPathOf, splitCredentials } from './clone-url.ts';
import { redact, translateGitError } from './git-errors.ts';
import { checkBranchName, headOf } from './git-refs.ts';
import { copyObjects, findGitdir, readHeads } from './local-transport.ts';

// Work with the remote `origin`: cloning (or fetching into an existing clone) and pushing, over
// smart HTTP with per-call credentials, or by copying objects for a local path or `file:` URL.

/** GitBackend.clone. */
export async function clone(
  context: BackendContext,
  { url, dir, auth, signal }: OptionsOf<'clone'>,
): Promise<RepoCheckout> {
  signal?.throwIfAborted();
  const target = path.resolve(dir);
  const { cleanUrl, effectiveAuth, secrets } = splitCredentials(url, auth);
  const gitdir = path.join(target, '.git');
  return context.mutex.run(gitdir, async () => {
    try {
      if (fs.existsSync(gitdir)) {
        const existing = await remoteUrlOf(gitdir);
        if (existing !== cleanUrl) {
          throw new ConflictError(
            `${target} already holds a clone of ${redact(existing, secrets)}, not of ${redact(cleanUrl, secrets)}`,
          );
        }
        if (context.options.transport === undefined)
          await fetchInto(context, gitdir, cleanUrl, effectiveAuth);
        else
          await context.options.transport.fetch({
            gitdir,
            url: cleanUrl,
            ...(effectiveAuth === undefined ? {} : { auth: effectiveAuth }),
            ...(signal === undefined ? {} : { signal }),
          });
        return { dir: target, url: cleanUrl } satisfies RepoCheckout;
      }
      const entries = await readdir(target).catch(() => []);
      if (entries.length > 0) throw new ConflictError(`${target} exists and is not empty`);
      try {
        if (context.options.transport !== undefined) {
          await context.options.transport.clone({
            dir: target,
            url: cleanUrl,
            ...(effectiveAuth === undefined ? {} : { auth: effectiveAuth }),
            ...(signal === undefined ? {} : { signal }),
          });
        } else if (isHttpUrl(cleanUrl)) {
          await git.clone({
            fs,
            http: context.http,
            dir: target,
            url: cleanUrl,
            noCheckout: true,
            cache: cacheFor(context, gitdir),
            onProgress: progress(context, 'clone'),
            ...(context.options.headers === undefined ? {} : { headers: context.options.headers }),
            ...authCallbacks(context, effectiveAuth),
          });
        } else {
          await cloneLocal(gitdir, cleanUrl);
        }
      } catch (error) {
        await rm(target, { recursive: true, force: true });
        throw error;
      }
      signal?.throwIfAborted();
      return { dir: target, url: cleanUrl } satisfies RepoCheckout;
    } catch (error) {
      throw translateGitError(error, { operation: `cloning ${redact(cleanUrl, secrets)}`, secrets });
    }
  });
}

/** GitBackend.pushBranch. */
export async function pushBranch(
  context: BackendContext,
  { repo, branch, auth, force, signal }: OptionsOf<'pushBranch'>,
): Promise<void> {
  signal?.throwIfAborted();
  await checkBranchName(branch);
  const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
  const secrets = [auth?.token];
  await context.mutex.run(cloneGitdir, async () => {
    try {
      const oid = await headOf(cloneGitdir, branch);
      if (oid === null) throw new NotFoundError('git branch', branch);
      const url = await remoteUrlOf(cloneGitdir);
      if (context.options.transport !== undefined) {
        await context.options.transport.push({
          gitdir: cloneGitdir,
          url,
          branch,
          force: force === true,
          ...(auth === undefined ? {} : { auth }),
          ...(signal === undefined ? {} : { signal }),
        });
        return;
      }
      if (!isHttpUrl(url)) {
        await pushLocal(cloneGitdir, url, branch, force === true);
        return;
      }
      try {
        // Credentials reach isomorphic-git only through onAuth, per request: nothing is stored.
        await git.push({
          fs,
          http: context.http,
          gitdir: cloneGitdir,
          remote: 'origin',
          ref: `refs/heads/${branch}`,
          remoteRef: `refs/heads/${branch}`,
          force: force === true,
          cache: cacheFor(context, cloneGitdir),
          onProgress: progress(context, 'push'),
          ...(signal === undefined ? {} : { signal }),
          ...(context.options.headers === undefined ? {} : { headers: context.options.headers }),
          ...authCallbacks(context, auth),
        });
      } catch (error) {
        // The remote answered but refused the ref (a hook, a protected branch, a race).
        if ((error as { code?: string }).code === 'GitPushError') {
          throw new ConflictError(
            `pushing ${branch} was rejected by the remote: ${redact(errorText(error), secrets)}`,
          );
        }
        throw error;
      }
      // isomorphic-git updates it too; written here so the port's promise does not rest on that.
      await git.writeRef({
        fs,
        gitdir: cloneGitdir,
        ref: `refs/remotes/origin/${branch}`,
        value: oid,
        force: true,
      });
    } catch (error) {
      throw translateGitError(error, { operation: `pushing ${branch}`, secrets });
    }
  });
}

/** Fetches into the clone at `gitdir` and fast-forwards local branches that were level with their remote. */
async function fetchInto(
  context: BackendContext,
  gitdir: string,
  url: string,
  auth: GitAuth | undefined,
): Promise<void> {
  const before = new Map<string, string>();
  const localBefore = await readHeads(gitdir);
  for (const branch of await git.listBranches({ fs, gitdir, remote: 'origin' })) {
    if (branch === 'HEAD') continue;
    before.set(branch, await git.resolveRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}` }));
  }
  if (isHttpUrl(url)) {
    await git.fetch({
      fs,
      http: context.http,
      gitdir,
      remote: 'origin',
      // Tags mirror the remote's as branches do: a tag deleted there must stop vouching for its
      // commits (base-ref policy), and a moved one must follow (git alone keeps the old one).
      tags: true,
      prune: true,
      pruneTags: true,
      singleBranch: false,
      cache: cacheFor(context, gitdir),
      onProgress: progress(context, 'fetch'),
      ...(context.options.headers === undefined ? {} : { headers: context.options.headers }),
      ...authCallbacks(context, auth),
    });
  } else {
    await fetchLocal(gitdir, url);
  }
  for (const [branch, oid] of localBefore.branches) {
    const remoteBefore = before.get(branch);
    if (remoteBefore === undefined || remoteBefore !== oid) continue;
    const remoteNow = await git
      .resolveRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}` })
      .catch(() => undefined);
    if (remoteNow !== undefined && remoteNow !== oid) {
      await git.writeRef({ fs, gitdir, ref: `refs/heads/${branch}`, value: remoteNow, force: true });
    }
  }
}

/** Fetches from a local remote: copies its objects, mirrors its branches and tags (deleted ones removed). */
async function fetchLocal(gitdir: string, url: string): Promise<void> {
  const sourceGitdir = await findGitdir(localPathOf(url));
  await copyObjects(path.join(sourceGitdir, 'objects'), path.join(gitdir, 'objects'));
  const heads = await readHeads(sourceGitdir);
  for (const [branch, oid] of heads.branches) {
    await git.writeRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}`, value: oid, force: true });
  }
  for (const branch of await git.listBranches({ fs, gitdir, remote: 'origin' })) {
    if (branch !== 'HEAD' && !heads.branches.has(branch)) {
      await git.deleteRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}` });
    }
  }
  for (const [tag, oid] of heads.tags) {
    await git.writeRef({ fs, gitdir, ref: `refs/tags/${tag}`, value: oid, force: true });
  }
  for (const tag of await git.listTags({ fs, gitdir })) {
    if (!heads.tags.has(tag)) await git.deleteRef({ fs, gitdir, ref: `refs/tags/${tag}` });
  }
  if (heads.head !== null) {
    await git.writeRef({
      fs,
      gitdir,
      ref: 'refs/remotes/origin/HEAD',
      value: `refs/remotes/origin/${heads.head}`,
      symbolic: true,
      force: true,
    });
  }
}

/** The URL of the clone's `origin`; NotFoundError when it has none. */
async function remoteUrlOf(gitdir: string): Promise<string> {
  const url = await git.getConfig({ fs, gitdir, path: 'remote.origin.url' });
  if (typeof url !== 'string') throw new NotFoundError('git remote', 'origin');
  return url;
}

/** Clones a local remote (path or `file:` URL) by hard-linking or copying its object files. */
async function cloneLocal(gitdir: string, url: string): Promise<void> {
  const sourceGitdir = await findGitdir(localPathOf(url));
  const heads = await readHeads(sourceGitdir);
  const target = path.dirname(gitdir);
  await git.init({ fs, dir: target, defaultBranch: heads.head ?? 'main' });
  await git.setConfig({ fs, gitdir, path: 'remote.origin.url', value: url });
  await git.setConfig({
    fs,
    gitdir,
    path: 'remote.origin.fetch',
    value: '+refs/heads/*:refs/remotes/origin/*',
  });
  await fetchLocal(gitdir, url);
  const defaultBranch = heads.head ?? [...heads.branches.keys()][0];
  if (defaultBranch !== undefined) {
    const oid = heads.branches.get(defaultBranch);
    if (oid !== undefined) await git.writeRef({ fs, gitdir, ref: `refs/heads/${defaultBranch}`, value: oid });
    await git.writeRef({
      fs,
      gitdir,
      ref: 'HEAD',
      value: `refs/heads/${defaultBranch}`,
      symbolic: true,
      force: true,
    });
  }
}

/** Pushes `branch` to a local remote: copies the objects, then moves its branch (fast-forward unless `force`). */
async function pushLocal(gitdir: string, url: string, branch: string, force: boolean): Promise<void> {
  const remoteGitdir = await findGitdir(localPathOf(url));
  const oid = await git.resolveRef({ fs, gitdir, ref: `refs/heads/${branch}` });
  await copyObjects(path.join(gitdir, 'objects'), path.join(remoteGitdir, 'objects'));
  const current = await git
    .resolveRef({ fs, gitdir: remoteGitdir, ref: `refs/heads/${branch}` })
    .catch(() => null);
  if (current !== null && current !== oid && !force) {
    const fastForward = await git.isDescendent({
      fs,
      gitdir: remoteGitdir,
      oid,
      ancestor: current,
      depth: -1,
    });
    if (!fastForward)
      throw new ConflictError(`pushing ${branch} was rejected: not a fast-forward of the remote branch`);
  }
  await git.writeRef({ fs, gitdir: remoteGitdir, ref: `refs/heads/${branch}`, value: oid, force: true });
  await git.writeRef({ fs, gitdir, ref: `refs/remotes/origin/${branch}`, value: oid, force: true });
}

/** Hands `auth` to isomorphic-git for one call: credentials are never stored. */
function authCallbacks(context: BackendContext, auth: GitAuth | undefined): { onAuth?: AuthCallback } {
  return auth === undefined
    ? {}
    : {
        onAuth: () => ({
          username: auth.username ?? context.options.defaultUsername ?? 'x-access-token',
          password: auth.token,
        }),
      };
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
