import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import { InvalidInputError } from '@goosuke/core';

/**
 * One path of the agent's view of the file system, as the bubblewrap sandbox mounts it over the
 * read-only host (`--ro-bind / /`):
 * - `hide`: an empty tmpfs over a directory, `/dev/null` (read-only) over anything else;
 * - `read-only`: the host's path bound again, read-only (a path inside a hidden one shown again,
 *   or one inside a writable one kept read-only);
 * - `writable`: the host's path bound writable.
 */
export interface MountRequest {
  /** Absolute and real (bwrap follows symbolic links in a mount's destination). */
  readonly path: string;
  readonly kind: 'hide' | 'read-only' | 'writable';
  /** Whether the path is a directory: a hidden one gets a tmpfs, anything else `/dev/null`. */
  readonly directory: boolean;
}

/** Of two requests for one path, the one that counts: the run's own writable paths, then hides, then read-only binds. */
const precedence = { writable: 0, hide: 1, 'read-only': 2 } as const;

/**
 * The bwrap arguments that mount `requests` over `--ro-bind / /` (which must come before them),
 * so that every path of the file system is seen as the DEEPEST request containing it says: a
 * path bound back inside a hidden directory is visible; a path hidden inside a bound-back one is
 * hidden again; the copy's `.git` inside the writable copy stays read-only. The mounts are
 * ordered by depth (a mount covers what was mounted below it before), so the order of `requests`
 * does not change the view, only the order of unrelated mounts.
 *
 * Two requests for the same path: `writable` wins over `hide` (the run's own working copy, HOME
 * and TMPDIR are always there), `hide` over `read-only` (a path both hidden and asked to be
 * visible stays hidden). Mounts that change nothing are left out: a hide inside a hidden
 * directory, a read-only bind where the host's path already shows read-only.
 */
export function mountArguments(requests: readonly MountRequest[]): string[][] {
  const byPath = new Map<string, MountRequest>();
  for (const request of requests) {
    const kept = byPath.get(request.path);
    if (kept === undefined || precedence[request.kind] < precedence[kept.kind]) {
      byPath.set(request.path, request);
    }
  }
  const ordered = [...byPath.values()]
    .filter((request) => request.path !== '/')
    .map((request, index) => ({ request, index, depth: depthOf(request.path) }))
    // Stable by depth: an ancestor is mounted before what it contains.
    .sort((a, b) => a.depth - b.depth || a.index - b.index)
    .map(({ request }) => request);

  const root: MountRequest = { path: '/', kind: 'read-only', directory: true };
  const mounted: MountRequest[] = [root];
  const args: string[][] = [];
  for (const request of ordered) {
    // The deepest mount so far that contains this path decides what is seen there now.
    const around = mounted.findLast((mount) => contains(mount.path, request.path)) ?? root;
    if (request.kind === 'hide' && around.kind === 'hide') continue;
    if (request.kind === 'read-only' && around.kind === 'read-only') continue;
    mounted.push(request);
    args.push(argumentsOf(request));
  }
  return args;
}

function argumentsOf(request: MountRequest): string[] {
  switch (request.kind) {
    case 'hide':
      // A file cannot get a tmpfs: /dev/null over it reads as nothing (and bwrap's binds are
      // nodev, so it cannot even be opened).
      return request.directory ? ['--tmpfs', request.path] : ['--ro-bind', '/dev/null', request.path];
    case 'read-only':
      return ['--ro-bind', request.path, request.path];
    case 'writable':
      return ['--bind', request.path, request.path];
  }
}

/** Whether `outer` is an ancestor of `inner` (strictly). */
function contains(outer: string, inner: string): boolean {
  return outer === '/' ? inner !== '/' : inner.startsWith(`${outer}/`);
}

function depthOf(file: string): number {
  return file.split('/').filter((part) => part !== '').length;
}

/** A path as the sandbox mounts it: real, and whether it is a directory. */
export interface ExistingPath {
  readonly path: string;
  readonly directory: boolean;
}

/**
 * `paths` resolved to real paths (bwrap follows symbolic links in mount destinations, so a link
 * must be mounted where it leads), without those that do not exist (nothing to hide or show)
 * and without duplicates, in their order.
 */
export async function existingPaths(paths: readonly string[]): Promise<ExistingPath[]> {
  const found: ExistingPath[] = [];
  for (const entry of paths) {
    const real = await realpath(entry).catch(() => null);
    if (real === null || found.some((known) => known.path === real)) continue;
    const info = await stat(real).catch(() => null);
    if (info !== null) found.push({ path: real, directory: info.isDirectory() });
  }
  return found;
}

/**
 * `hiddenPaths` or `visiblePaths`: absolute paths, normalised, never `/` (hiding it would hide
 * everything, showing it would undo every hide).
 * @throws InvalidInputError naming the option.
 */
export function readPathList(name: string, value: unknown): readonly string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value)) throw new InvalidInputError(`${name} must be an array of absolute paths`);
  return value.map((entry: unknown) => {
    if (typeof entry !== 'string' || !path.isAbsolute(entry) || entry.includes('\0')) {
      throw new InvalidInputError(`${name} must be an absolute path, not ${JSON.stringify(entry)}`);
    }
    const resolved = path.resolve(entry);
    if (resolved === '/') {
      throw new InvalidInputError(`${name} cannot ${name === 'hiddenPaths' ? 'hide' : 'show'} /`);
    }
    return resolved;
  });
}
