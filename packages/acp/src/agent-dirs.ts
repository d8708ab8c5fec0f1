import { constants } from 'node:fs';
import { lstat, mkdir, mkdtemp, open, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidInputError, UnsupportedError } from '@goosuke/core';

/** What one run's private directories are made from (validated options of `createAcpAgent`). */
export interface AgentDirsRequest {
  /** The caller's kept HOME (absolute), or null for a fresh one per run. */
  readonly home: string | null;
  /** Paths relative to HOME (validated: normalised, no `..`) → UTF-8 content. */
  readonly homeFiles: Readonly<Record<string, string>>;
  /** Variable name → directory relative to HOME (validated as `homeFiles`' paths). */
  readonly homeEnv: Readonly<Record<string, string>>;
}

/** One run's HOME and TMPDIR, ready for the agent. */
export interface AgentDirs {
  /** Absolute and real. */
  readonly home: string;
  /** Absolute and real; made for this run, always removed after it. */
  readonly tmpdir: string;
  /** True when `home` is the caller's (kept after the run), false when it was made for the run. */
  readonly homeKept: boolean;
  /** `HOME`, `TMPDIR` and each `homeEnv` variable, with absolute paths: added to the agent's env. */
  readonly env: Readonly<Record<string, string>>;
  /** Removes what was made for the run (TMPDIR, and HOME unless kept). Idempotent; never rejects. */
  release(): Promise<void>;
}

/**
 * The directory holding every run's fresh private directories (`run-*`) and the sandbox's own
 * ones (`sandbox-*`): `goosuke-agents-<uid>` in the system's temporary directory, private to this
 * user (0700, checked: a directory planted there by someone else is refused). One fixed place
 * per user, so that a sandbox can hide all of them from its agent at once (a tmpfs over it),
 * those of other Goosuke processes included: a run's HOME may hold its gateway token.
 * @throws UnsupportedError when that path exists and is not a private directory of this user.
 */
export async function privateDirsRoot(): Promise<string> {
  const uid = process.getuid?.() ?? null;
  // Real: bwrap binds (and hides) real paths, and the agent must see HOME where it was told.
  const dir = path.join(await realpath(tmpdir()), `goosuke-agents-${uid ?? 'user'}`);
  try {
    await mkdir(dir, { mode: 0o700 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  const stat = await lstat(dir);
  if (!stat.isDirectory() || (uid !== null && stat.uid !== uid) || (stat.mode & 0o077) !== 0) {
    throw new UnsupportedError(
      `${dir} must be a directory of this user (uid ${uid}) with mode 0700 to hold the agents' private HOMEs; remove it`,
    );
  }
  return dir;
}

/**
 * Makes one run's HOME and TMPDIR, for a sandboxed and an unsandboxed run alike: a fresh
 * `run-*` directory under {@link privateDirsRoot} holding `tmp/` and (unless `request.home` is
 * given, which is created when missing, mode 0700, and kept) `home/`, both 0700. Then, in HOME,
 * creates each `homeEnv` directory and (re)writes each `homeFiles` file (parents 0700, files
 * 0600). A symbolic link or a non-directory that an earlier run's agent left on one of those
 * paths of a kept HOME is replaced, never followed: Goosuke writes these files unconfined.
 * @throws InvalidInputError when the kept HOME and the working copy `cwd` contain one another.
 */
export async function prepareAgentDirs(request: AgentDirsRequest, cwd: string): Promise<AgentDirs> {
  const base = await mkdtemp(path.join(await privateDirsRoot(), 'run-'));
  let released: Promise<void> | null = null;
  const release = () => {
    released ??= rm(base, { recursive: true, force: true }).catch(() => {});
    return released;
  };
  try {
    const tmp = path.join(base, 'tmp');
    await mkdir(tmp, { mode: 0o700 });
    let home = path.join(base, 'home');
    if (request.home === null) {
      await mkdir(home, { mode: 0o700 });
    } else {
      const copy = await realpath(cwd);
      // Before the mkdir too: a refused home must not be left inside the working copy.
      refuseNesting(request.home, copy);
      await mkdir(request.home, { recursive: true, mode: 0o700 });
      home = await realpath(request.home);
      refuseNesting(home, copy);
    }
    const env: Record<string, string> = { HOME: home, TMPDIR: tmp };
    for (const [name, relative] of Object.entries(request.homeEnv)) {
      env[name] = await ensureDirectory(home, relative);
    }
    for (const [relative, content] of Object.entries(request.homeFiles)) {
      await writeHomeFile(home, relative, content);
    }
    return { home, tmpdir: tmp, homeKept: request.home !== null, env, release };
  } catch (error) {
    await release();
    throw error;
  }
}

function refuseNesting(home: string, copy: string): void {
  const inside = (child: string, parent: string) =>
    child === parent || child.startsWith(parent.endsWith('/') ? parent : `${parent}/`);
  if (inside(home, copy)) {
    throw new InvalidInputError(
      `home ${home} is inside the working copy ${copy}: the agent's files would become changes of the run`,
    );
  }
  if (inside(copy, home)) {
    throw new InvalidInputError(
      `home ${home} contains the working copy ${copy}: binding it writable would expose the copy's .git`,
    );
  }
}

/**
 * `relative` (a validated path) as a directory under `home`, each missing component made 0700;
 * a component that is not a real directory (a symbolic link, a file) is removed and made again.
 */
async function ensureDirectory(home: string, relative: string): Promise<string> {
  let current = home;
  for (const part of relative.split('/')) {
    current = path.join(current, part);
    const stat = await lstat(current).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (stat?.isDirectory()) continue;
    if (stat !== null) await rm(current, { recursive: true, force: true });
    await mkdir(current, { mode: 0o700 });
  }
  return current;
}

/** Writes `content` at `relative` under `home`, mode 0600, never through a symbolic link. */
async function writeHomeFile(home: string, relative: string, content: string): Promise<void> {
  const parent = path.posix.dirname(relative);
  const dir = parent === '.' ? home : await ensureDirectory(home, parent);
  const target = path.join(dir, path.posix.basename(relative));
  const stat = await lstat(target).catch(() => null);
  // A hard link is replaced too: writing through it would change its other names.
  if (stat !== null && (!stat.isFile() || stat.nlink > 1)) await rm(target, { recursive: true, force: true });
  // O_NOFOLLOW: a link made between the check and the open fails the open instead of being followed.
  const file = await open(
    target,
    constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    await file.chmod(0o600);
    await file.writeFile(content, 'utf8');
  } finally {
    await file.close();
  }
}
