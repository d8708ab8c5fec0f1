import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConflictError, type GitAuth, GoosukeError, NotFoundError, UnsupportedError } from '@goosuke/core';
import { unlessAborted } from '@goosuke/core/implementing';
import type { GitTransport } from '@goosuke/git-isomorphic';
import { createCatFilePool } from './cat-file-batch.ts';
import { compareVersions, detectSystemGit, minimumGitVersion, type SystemGit } from './detect-system-git.ts';
import { translateGitFailure } from './git-cli-errors.ts';
import { detachedHeadOf, gitDirectoriesOf, readRefFiles } from './read-refs.ts';
import {
  type GitInvocation,
  type GitOutcome,
  GitProcessError,
  processFailure,
  runGitProcess,
} from './run-git.ts';
import {
  collectListing,
  keepListing,
  keptListingPath,
  type ListedEntry,
  parseListing,
  readKeptListing,
} from './tree-listing.ts';
import { writeBlobStream } from './write-blobs.ts';

/** Options of {@link createSystemGitTransport}. */
export interface SystemGitTransportOptions {
  /** The git executable (default `git`, looked up on PATH). */
  git?: string;
  /** Default username for `auth` without one; `x-access-token` (GitHub App and token convention). */
  defaultUsername?: string;
  /** A clone, fetch or push is killed after this long (default 10 minutes). */
  timeoutMs?: number;
  /** Extra environment variables of every git child (a proxy, a CA bundle); never credentials. */
  env?: Readonly<Record<string, string>>;
  /** A clone's `git cat-file` children end after this long without a request (default 10 s). */
  objectReaderIdleMs?: number;
  /**
   * What `detectSystemGit` found for `git`, when the caller already asked (choosing the backend,
   * say): it is not asked again (`git --version` is a process start). One below the minimum
   * version is ignored: git is asked.
   */
  detected?: SystemGit;
}

/** A hex object id or prefix, the only names given to `git cat-file` (no revision syntax). */
const hexName = /^[0-9a-f]{4,64}$/;

/** One fetch's view of the remote: branch and tag heads. */
interface RemoteHeads {
  branches: Map<string, string>;
  tags: Map<string, string>;
  /** A local source's detached HEAD (a CI checkout of a merge ref): its commit is fetched too. */
  detachedHead?: string;
}

/** Where a local source's detached HEAD is kept in the clone, so that its objects stay and a no-op is seen. */
const sourceHeadRef = 'refs/goosuke/source-head';

// Every git child gets these: no automatic maintenance detached into the background (it would
// race with the next operation on the clone), no prompts or credential helpers, and only the
// protocols Goosuke accepts.
const commonConfig = [
  '-c',
  'credential.helper=',
  '-c',
  'core.askPass=',
  '-c',
  'gc.autoDetach=false',
  '-c',
  'maintenance.autoDetach=false',
  '-c',
  'protocol.allow=never',
  '-c',
  'protocol.file.allow=always',
  '-c',
  'protocol.http.allow=always',
  '-c',
  'protocol.https.allow=always',
] as const;

/** Whether `url` goes over smart HTTP. */
function isHttpUrl(url: string): boolean {
  return /^https?:\/\//i.test(url);
}

/** What git is given for `url`: a local path is made absolute (the child's cwd is not ours). */
function gitLocation(url: string): string {
  if (isHttpUrl(url)) return url;
  return url.startsWith('file:') ? fileURLToPath(url) : path.resolve(url);
}

/**
 * A {@link GitTransport} on the system git: `git clone --no-checkout --dissociate` (hard-linking
 * a local source's objects, which it never writes); the remote's refs (`git ls-remote`, or a
 * local source's ref files) compared with the clone's ref files before any `git fetch` (an
 * unchanged remote costs that comparison and nothing else); `git push`; trees listed by
 * `git ls-tree` and checkouts streamed from `git cat-file --batch`. Credentials reach git only as `http.<origin>.extraHeader` in the child's
 * environment, for that child alone: never in argv, a URL, `.git/config` or a message.
 */
export function createSystemGitTransport(options: SystemGitTransportOptions = {}): GitTransport {
  const executable = options.git ?? 'git';
  let detected: Promise<SystemGit> | undefined =
    options.detected !== undefined && compareVersions(options.detected.version, minimumGitVersion) >= 0
      ? Promise.resolve(options.detected)
      : undefined;
  const systemGit = (): Promise<SystemGit> => {
    detected ??= detectSystemGit({ git: executable }).then((found) => {
      if (found === undefined) {
        detected = undefined;
        throw new UnsupportedError(
          `the system git backend needs git >= ${minimumGitVersion} (${executable})`,
        );
      }
      return found;
    });
    return detected;
  };

  // Object reads (peeling, blobs of diffs and commits) go to long-lived `git cat-file`
  // children, one pair per clone: git reads each object at its offset in the pack, through its
  // own index, so no pack is loaded into this process.
  const objects = createCatFilePool(
    { git: executable, config: commonConfig, ...(options.env === undefined ? {} : { env: options.env }) },
    options.objectReaderIdleMs === undefined ? {} : { idleMs: options.objectReaderIdleMs },
  );

  /** Listings with sizes under way, by `<gitdir> NUL <commit>` (see readSizes, readTree). */
  const sizeListings = new Map<string, Promise<{ entries: ListedEntry[] }>>();

  /** Runs git; a process failure (missing, timed out, canceled) becomes a GoosukeError. */
  const run = async (
    operation: string,
    args: readonly string[],
    extra: Pick<GitInvocation, 'cwd' | 'input' | 'signal' | 'consume' | 'maxOutputBytes'> & {
      url?: string;
      auth?: GitAuth;
    } = {},
  ): Promise<GitOutcome> => {
    const found = await systemGit();
    const secretConfig =
      extra.url === undefined ? [] : authConfig(extra.url, extra.auth, options.defaultUsername);
    const invocation: GitInvocation = {
      git: executable,
      args: [...commonConfig, ...args],
      secretConfig,
      configCount: compareVersions(found.version, '2.31.0') >= 0,
      ...(options.timeoutMs === undefined ? {} : { timeoutMs: options.timeoutMs }),
      ...(options.env === undefined ? {} : { env: options.env }),
      ...(extra.cwd === undefined ? {} : { cwd: extra.cwd }),
      ...(extra.input === undefined ? {} : { input: extra.input }),
      ...(extra.consume === undefined ? {} : { consume: extra.consume }),
      ...(extra.maxOutputBytes === undefined ? {} : { maxOutputBytes: extra.maxOutputBytes }),
      ...(extra.signal === undefined ? {} : { signal: extra.signal }),
    };
    try {
      return await runGitProcess(invocation);
    } catch (error) {
      if (error instanceof GitProcessError) throw processFailure(error, operation);
      throw error;
    }
  };

  /** Runs git and rejects with the translated failure unless it exits 0. */
  const succeed = async (
    operation: string,
    args: readonly string[],
    extra: Pick<GitInvocation, 'cwd' | 'input' | 'signal'> & { url?: string; auth?: GitAuth } = {},
  ): Promise<string> => {
    const outcome = await run(operation, args, extra);
    if (outcome.code !== 0) {
      throw translateGitFailure(outcome, {
        operation,
        ...(extra.url === undefined ? {} : { url: extra.url }),
        secrets: [extra.auth?.token],
      });
    }
    return outcome.stdout;
  };

  /** `refname -> object id` of the clone's branches, remote-tracking branches and tags. */
  const localRefs = async (gitdir: string, signal?: AbortSignal): Promise<Map<string, string>> => {
    // Read from the ref files where possible: a no-op fetch then starts one process, or none.
    const read = await readRefFiles(gitdir, [
      'refs/heads/',
      'refs/remotes/origin/',
      'refs/tags/',
      'refs/goosuke/',
    ]);
    if (read !== null) return read;
    const text = await succeed(
      'reading the refs of the clone',
      [
        `--git-dir=${gitdir}`,
        'for-each-ref',
        '--format=%(objectname) %(refname)',
        'refs/heads/',
        'refs/remotes/origin/',
        'refs/tags/',
        'refs/goosuke/',
      ],
      signal === undefined ? {} : { signal },
    );
    const refs = new Map<string, string>();
    for (const line of text.split('\n')) {
      const space = line.indexOf(' ');
      if (space > 0) refs.set(line.slice(space + 1), line.slice(0, space));
    }
    return refs;
  };

  const remoteHeads = async (
    url: string,
    auth: GitAuth | undefined,
    signal?: AbortSignal,
  ): Promise<RemoteHeads> => {
    if (!isHttpUrl(url)) {
      // A local source's refs are read from its files (read only, as `git ls-remote` would).
      const directories = await gitDirectoriesOf(gitLocation(url));
      const read =
        directories === null ? null : await readRefFiles(directories.common, ['refs/heads/', 'refs/tags/']);
      if (directories !== null && read !== null) {
        const detachedHead = await detachedHeadOf(directories.gitdir);
        const heads: RemoteHeads = {
          branches: new Map(),
          tags: new Map(),
          ...(detachedHead === undefined ? {} : { detachedHead }),
        };
        for (const [ref, oid] of read) {
          if (ref.startsWith('refs/heads/')) heads.branches.set(ref.slice('refs/heads/'.length), oid);
          else heads.tags.set(ref.slice('refs/tags/'.length), oid);
        }
        return heads;
      }
    }
    const text = await succeed(
      `reading the refs of ${url}`,
      ['ls-remote', '--heads', '--tags', '--', gitLocation(url)],
      { url, ...(auth === undefined ? {} : { auth }), ...(signal === undefined ? {} : { signal }) },
    );
    const heads: RemoteHeads = { branches: new Map(), tags: new Map() };
    for (const line of text.split('\n')) {
      const [oid, ref] = line.split('\t');
      if (oid === undefined || ref === undefined || ref.endsWith('^{}')) continue;
      if (ref.startsWith('refs/heads/')) heads.branches.set(ref.slice('refs/heads/'.length), oid);
      else if (ref.startsWith('refs/tags/')) heads.tags.set(ref.slice('refs/tags/'.length), oid);
    }
    return heads;
  };

  const fetch: GitTransport['fetch'] = async ({ gitdir, url, auth, signal }) => {
    const operation = `fetching ${url}`;
    const before = await localRefs(gitdir, signal);
    const remote = await remoteHeads(url, auth, signal);
    if (isLevel(before, remote)) return;
    await succeed(
      operation,
      [
        `--git-dir=${gitdir}`,
        'fetch',
        '--quiet',
        '--no-write-fetch-head',
        '--force',
        '--prune',
        '--no-recurse-submodules',
        '--',
        gitLocation(url),
        '+refs/heads/*:refs/remotes/origin/*',
        // Tags mirror the remote's, as isomorphic-git's pruneTags makes them: `--tags` brings
        // every tag but prunes none and keeps a moved one where it was, and `--prune-tags` does
        // not prune when fetching by URL (git 2.39); the forced refspec with `--prune` does both.
        '+refs/tags/*:refs/tags/*',
        ...(remote.detachedHead === undefined ? [] : [`+HEAD:${sourceHeadRef}`]),
      ],
      { url, ...(auth === undefined ? {} : { auth }), ...(signal === undefined ? {} : { signal }) },
    );
    // A local branch level with its remote-tracking branch before the fetch follows it.
    const after = await localRefs(gitdir);
    const updates: string[] = [];
    for (const [ref, oid] of before) {
      if (!ref.startsWith('refs/heads/')) continue;
      const branch = ref.slice('refs/heads/'.length);
      const tracking = `refs/remotes/origin/${branch}`;
      const now = after.get(tracking);
      if (before.get(tracking) === oid && now !== undefined && now !== oid) {
        updates.push(`update ${ref} ${now} ${oid}\n`);
      }
    }
    if (updates.length > 0) {
      await succeed(
        `fast-forwarding the branches of ${url}`,
        [`--git-dir=${gitdir}`, 'update-ref', '--stdin'],
        {
          input: updates.join(''),
        },
      );
    }
  };

  return {
    async clone({ dir, url, auth, signal }) {
      const location = gitLocation(url);
      await succeed(
        `cloning ${url}`,
        // A local source is hard-linked (`--local`, git's default for a path): its objects are
        // shared, not copied, and the source is only read. `--dissociate`: a source that borrows
        // objects through alternates (`clone --shared`/`--reference`) passes its alternates on,
        // which isomorphic-git cannot follow; the borrowed objects are then copied in once.
        ['clone', '--quiet', '--no-checkout', '--no-recurse-submodules', '--dissociate', '--', location, dir],
        { url, ...(auth === undefined ? {} : { auth }), ...(signal === undefined ? {} : { signal }) },
      );
      const gitdir = path.join(dir, '.git');
      // git records a local source as an absolute path; the port promises the URL as given.
      if (location !== url) {
        await succeed(`configuring the clone of ${url}`, [
          `--git-dir=${gitdir}`,
          'config',
          '--',
          'remote.origin.url',
          url,
        ]);
      }
      // `git clone` takes only the tags of its branches' history; the rest come as in a fetch.
      await fetch({
        gitdir,
        url,
        ...(auth === undefined ? {} : { auth }),
        ...(signal === undefined ? {} : { signal }),
      });
    },

    fetch,

    async describeObject({ gitdir, id, peel }) {
      if (!hexName.test(id)) return 'missing';
      return objects.info(gitdir, peel === undefined ? id : `${id}^{${peel}}`);
    },

    async readObject({ gitdir, oid }) {
      if (!hexName.test(oid)) return null;
      return objects.read(gitdir, oid);
    },

    async isAncestor({ gitdir, ancestor, oid }) {
      if (ancestor === oid) return false;
      const operation = `comparing ${ancestor} with ${oid}`;
      const outcome = await run(operation, [
        `--git-dir=${gitdir}`,
        'merge-base',
        '--is-ancestor',
        '--',
        ancestor,
        oid,
      ]);
      if (outcome.code === 0) return true;
      if (outcome.code === 1) return false;
      throw translateGitFailure(outcome, { operation });
    },

    async mergeTrees({ gitdir, ours, theirs }) {
      const found = await systemGit();
      // `merge-tree --write-tree` (the ort merge, in the object store alone) came with git 2.38.
      if (compareVersions(found.version, '2.38.0') < 0) return null;
      const operation = `merging ${theirs} into ${ours}`;
      const outcome = await run(operation, [
        `--git-dir=${gitdir}`,
        'merge-tree',
        '--write-tree',
        '--name-only',
        '--no-messages',
        '-z',
        ours,
        theirs,
      ]);
      if (outcome.code !== 0 && outcome.code !== 1) {
        if (/unrelated histories/.test(outcome.stderr)) return 'unrelated';
        throw translateGitFailure(outcome, { operation });
      }
      // `<tree> NUL`, then each conflicted path once, NUL-terminated.
      const [tree = '', ...paths] = outcome.stdout.split('\0');
      return { tree, conflicts: outcome.code === 0 ? [] : paths.filter((file) => file !== '') };
    },

    async readTree({ gitdir, commit, signal }) {
      const operation = `reading the tree of ${commit}`;
      const extra = signal === undefined ? {} : { signal };
      // A listing with sizes of the same commit under way (a run's context asks for both at
      // once) has every entry this one would: it is shared instead of listing the tree twice.
      // So does one kept from an earlier listing with sizes (see readSizes).
      let withSizes = sizeListings.get(`${gitdir}\0${commit}`);
      if (withSizes === undefined) {
        const kept = await readKeptListing(keptListingPath(gitdir, commit));
        if (kept !== null) withSizes = Promise.resolve({ entries: parseListing(kept) });
      }
      const listing = withSizes === undefined ? collectListing() : null;
      // `^{commit}` first: a tag is peeled, and anything else is refused as git refuses it.
      const [rooted, listed] = await Promise.all([
        run(
          operation,
          [`--git-dir=${gitdir}`, 'rev-parse', '--verify', '--quiet', `${commit}^{commit}^{tree}`],
          extra,
        ),
        listing === null
          ? withSizes!.then((shared) => ({ code: 0, entries: shared.entries }))
          : run(
              operation,
              [`--git-dir=${gitdir}`, 'ls-tree', '-r', '-t', '-z', '--full-tree', `${commit}^{commit}`],
              { ...extra, consume: listing.consume },
            ).then((outcome) => ({
              code: outcome.code,
              entries: outcome.code === 0 ? parseListing(listing.output()) : [],
            })),
      ]);
      if (rooted.code !== 0 || listed.code !== 0) throw new NotFoundError('git commit', commit);
      const tree = rooted.stdout.trim();
      // Maps, which the backend keeps as they are: no array per entry made to be copied again.
      const files = new Map<string, { oid: string; mode: number }>();
      const trees = new Map<string, string>([['', tree]]);
      for (const entry of listed.entries) {
        if (entry.type === 'tree') trees.set(entry.path, entry.oid);
        else files.set(entry.path, { oid: entry.oid, mode: entry.mode });
      }
      return { tree, files, trees };
    },

    async readSizes({ gitdir, commit, signal }) {
      const key = `${gitdir}\0${commit}`;
      // `-l` reads each blob's size from its object header (a packed delta's from the start of
      // the delta): no blob is inflated whole. `-t`: trees too, for a readTree sharing it.
      // Kept in the clone after the first time (a commit's listing never changes).
      const keptAt = keptListingPath(gitdir, commit);
      const listing = collectListing();
      const shared = readKeptListing(keptAt).then(async (kept) => {
        if (kept !== null) return { entries: parseListing(kept) };
        const listed = await run(
          `listing the file sizes of ${commit}`,
          [`--git-dir=${gitdir}`, 'ls-tree', '-r', '-t', '-l', '-z', '--full-tree', `${commit}^{commit}`],
          { consume: listing.consume },
        );
        if (listed.code !== 0) throw new NotFoundError('git commit', commit);
        const bytes = listing.output();
        await keepListing(keptAt, bytes);
        return { entries: parseListing(bytes) };
      });
      sizeListings.set(key, shared);
      const forget = () => {
        if (sizeListings.get(key) === shared) sizeListings.delete(key);
      };
      shared.then(forget, forget);
      // Not cancelled with this caller (a readTree may share it); its caller stops waiting.
      const { entries } = await unlessAborted(shared, signal);
      const sizes = new Map<string, number>();
      for (const entry of entries) {
        if (entry.type === 'blob' && entry.size !== null) sizes.set(entry.path, entry.size);
      }
      return sizes;
    },

    async writeFiles({ gitdir, root, files, permissions, signal }) {
      const order = [...new Set(files.filter(([, , mode]) => mode !== 0o160000).map(([, oid]) => oid))];
      if (order.length === 0) return;
      const operation = `checking out ${files.length} files`;
      try {
        // git inflates the blobs (in C, from its own pack index) and streams them raw: no
        // attribute, filter or end-of-line conversion, so each file is its blob byte for byte.
        const outcome = await run(operation, [`--git-dir=${gitdir}`, 'cat-file', '--batch'], {
          input: `${order.join('\n')}\n`,
          consume: (stdout) => writeBlobStream({ stdout, root, files, order, permissions }),
          ...(signal === undefined ? {} : { signal }),
        });
        if (outcome.code !== 0) throw translateGitFailure(outcome, { operation });
      } catch (error) {
        if (GoosukeError.isInstance(error)) throw error;
        throw new GoosukeError(
          'storage',
          `${operation} failed: ${error instanceof Error ? error.message : String(error)}`,
          { cause: error },
        );
      }
    },

    async push({ gitdir, url, branch, force, auth, signal }) {
      const operation = `pushing ${branch}`;
      const ref = `refs/heads/${branch}`;
      const outcome = await run(
        operation,
        [
          `--git-dir=${gitdir}`,
          'push',
          '--porcelain',
          '--no-verify',
          ...(force ? ['--force'] : []),
          '--',
          gitLocation(url),
          `${ref}:${ref}`,
        ],
        { url, ...(auth === undefined ? {} : { auth }), ...(signal === undefined ? {} : { signal }) },
      );
      // `--porcelain` prints one status line per ref on stdout, `!` for a refused one.
      const status = outcome.stdout.split('\n').find((line) => line.includes(`\t${ref}:${ref}\t`));
      if (status?.startsWith('!')) {
        const reason = status.includes('[remote rejected]')
          ? 'refused by the remote'
          : 'rejected: not a fast-forward of the remote branch';
        throw new ConflictError(`pushing ${branch} was ${reason}`);
      }
      if (outcome.code !== 0) throw translateGitFailure(outcome, { operation, url, secrets: [auth?.token] });
      const oid = (
        await succeed(operation, [
          `--git-dir=${gitdir}`,
          'rev-parse',
          '--verify',
          '--quiet',
          `${ref}^{commit}`,
        ])
      ).trim();
      await succeed(operation, [`--git-dir=${gitdir}`, 'update-ref', '--stdin'], {
        input: `update refs/remotes/origin/${branch} ${oid}\n`,
      });
    },
  };
}

/** Whether the clone's `origin/*` and tags already equal the remote's branches and tags. */
function isLevel(local: Map<string, string>, remote: RemoteHeads): boolean {
  for (const [branch, oid] of remote.branches)
    if (local.get(`refs/remotes/origin/${branch}`) !== oid) return false;
  for (const [tag, oid] of remote.tags) if (local.get(`refs/tags/${tag}`) !== oid) return false;
  if (remote.detachedHead !== undefined && local.get(sourceHeadRef) !== remote.detachedHead) return false;
  for (const ref of local.keys()) {
    if (ref.startsWith('refs/tags/') && !remote.tags.has(ref.slice('refs/tags/'.length))) return false;
    if (!ref.startsWith('refs/remotes/origin/')) continue;
    const branch = ref.slice('refs/remotes/origin/'.length);
    if (branch !== 'HEAD' && !remote.branches.has(branch)) return false;
  }
  return true;
}

/**
 * The configuration that carries `auth` to the remote of `url`: an `Authorization` header
 * scoped to that origin (`http.<scheme>://<host>/.extraHeader`), handed over in the child's
 * environment only. Nothing for local remotes or without credentials.
 */
function authConfig(
  url: string,
  auth: GitAuth | undefined,
  defaultUsername: string | undefined,
): Array<readonly [string, string]> {
  if (auth === undefined || !isHttpUrl(url)) return [];
  const username = auth.username ?? defaultUsername ?? 'x-access-token';
  const basic = Buffer.from(`${username}:${auth.token}`, 'utf8').toString('base64');
  return [[`http.${new URL(url).origin}/.extraHeader`, `Authorization: Basic ${basic}`]];
}
