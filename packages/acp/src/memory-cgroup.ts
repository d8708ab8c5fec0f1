import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rmdir, writeFile } from 'node:fs/promises';
import path from 'node:path';

/** How long `remove` waits for the cgroup's processes to die and for the cgroup to go. */
const removeWithinMs = 3_000;
const pollMs = 25;
/** The shell that places the process tree in its cgroup before anything else runs. */
const shell = '/bin/sh';

/** A run's memory cgroup, made and limited; or why none could be. */
export type MemoryCgroup =
  | {
      readonly applied: true;
      readonly bytes: number;
      readonly version: 1 | 2;
      /** The cgroup's directory. */
      readonly dir: string;
      /**
       * `command args` rewritten so that the process moves itself into the cgroup before it
       * execs `command`: see {@link placeInCgroup}.
       */
      wrap(command: string, args: readonly string[]): { command: string; args: string[] };
      /** Each out-of-memory kill the kernel made in the cgroup, in words. Never rejects. */
      limitsReached(): Promise<string[]>;
      /** Kills what is left in the cgroup and removes it. Idempotent; never rejects. */
      remove(): Promise<void>;
    }
  | { readonly applied: false; readonly bytes: number | null; readonly reason: string };

/** A cgroup under which runs' cgroups can be made, with the memory controller. */
interface CgroupParent {
  readonly dir: string;
  readonly version: 1 | 2;
}

/** `1073741824` as `1 GiB`, `67108864` as `64 MiB`; other sizes in bytes. */
export function formatBytes(bytes: number): string {
  for (const [unit, size] of [
    ['GiB', 2 ** 30],
    ['MiB', 2 ** 20],
    ['KiB', 2 ** 10],
  ] as const) {
    if (bytes >= size && bytes % size === 0) return `${bytes / size} ${unit}`;
  }
  return `${bytes} bytes`;
}

/**
 * Makes a cgroup for one run whose memory (RAM, and swap where the host accounts for it) is
 * limited to `bytes`, under `parent` (a cgroup directory: v2, or the v1 memory controller's), or
 * by default under this process's own cgroup: cgroup v1's memory hierarchy when it is mounted
 * (hybrid hosts have no memory controller on their v2 hierarchy), else cgroup v2's, when its
 * `memory` controller is enabled for children there (`cgroup.subtree_control`; Goosuke tries to
 * enable it, which cgroup v2 allows only in a cgroup without processes of its own). On cgroup
 * v2, `memory.oom.group` is set: an out-of-memory kill ends the whole tree, so the run fails
 * plainly instead of going on with a part of the agent gone. Never rejects: a host where it
 * cannot be done gets `{ applied: false, reason }`.
 */
export async function createMemoryCgroup(bytes: number, parent: string | null): Promise<MemoryCgroup> {
  const notApplied = (reason: string): MemoryCgroup => ({ applied: false, bytes, reason });
  if (!existsSync(shell)) return notApplied(`${shell} does not exist (it places the agent in its cgroup)`);
  const found = parent === null ? await ownCgroupParent() : await givenCgroupParent(parent);
  if ('reason' in found) return notApplied(found.reason);
  const dir = path.join(found.dir, `goosuke-agent-${process.pid}-${randomBytes(4).toString('hex')}`);
  try {
    await mkdir(dir);
  } catch (error) {
    return notApplied(`cannot create a cgroup under ${found.dir}: ${errorCode(error)}`);
  }
  try {
    if (found.version === 1) {
      await writeFile(path.join(dir, 'memory.limit_in_bytes'), String(bytes));
      // RAM plus swap; absent (ENOENT) where swap is not accounted for, which is fine without swap.
      await writeFile(path.join(dir, 'memory.memsw.limit_in_bytes'), String(bytes)).catch(() => {});
    } else {
      await writeFile(path.join(dir, 'memory.max'), String(bytes));
      await writeFile(path.join(dir, 'memory.swap.max'), '0').catch(() => {});
      await writeFile(path.join(dir, 'memory.oom.group'), '1').catch(() => {});
    }
  } catch (error) {
    await rmdir(dir).catch(() => {});
    return notApplied(`cannot set the memory limit of ${dir}: ${errorCode(error)}`);
  }
  let removed: Promise<void> | null = null;
  const { version } = found;
  return {
    applied: true,
    bytes,
    version,
    dir,
    wrap: (command, args) => placeInCgroup(path.join(dir, 'cgroup.procs'), command, args),
    limitsReached: () => oomKills(dir, version, bytes),
    remove: () => {
      removed ??= removeCgroup(dir, version);
      return removed;
    },
  };
}

/**
 * `command args` started through `/bin/sh`, which first writes its own pid into `procsFile`
 * (moving itself into the cgroup) and only then execs `command`: every process of the tree
 * (prlimit, bwrap, the agent and all it starts) is born inside the cgroup, with no moment when
 * one could run or fork outside it, which moving the pid from here after the spawn could not
 * promise. A failed move ends the shell (exit 125, the shell's error on stderr) before anything runs.
 */
export function placeInCgroup(
  procsFile: string,
  command: string,
  args: readonly string[],
): { command: string; args: string[] } {
  // `sh -c SCRIPT ARG0 ARGS...`: the cgroup file is $0, the command line "$@".
  return {
    command: shell,
    args: ['-c', 'echo $$ > "$0" || exit 125; exec "$@"', procsFile, command, ...args],
  };
}

async function givenCgroupParent(dir: string): Promise<CgroupParent | { reason: string }> {
  if (existsSync(path.join(dir, 'cgroup.controllers'))) return await usableV2(dir);
  if (existsSync(path.join(dir, 'memory.limit_in_bytes'))) return { dir, version: 1 };
  return { reason: `${dir} is neither a cgroup v2 directory nor one of cgroup v1's memory controller` };
}

/** This process's cgroup with the memory controller, found through /proc/self/{cgroup,mountinfo}. */
async function ownCgroupParent(): Promise<CgroupParent | { reason: string }> {
  let membership: string;
  let mounts: string;
  try {
    membership = await readFile('/proc/self/cgroup', 'utf8');
    mounts = await readFile('/proc/self/mountinfo', 'utf8');
  } catch (error) {
    return { reason: `cannot read /proc/self/cgroup and /proc/self/mountinfo: ${errorCode(error)}` };
  }
  const groups = membership
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => {
      const [id = '', controllers = '', ...rest] = line.split(':');
      return { id, controllers: controllers.split(','), path: rest.join(':') };
    });
  const mounted = mounts
    .split('\n')
    .filter((line) => line.includes(' - '))
    .map((line) => {
      const [left = '', right = ''] = line.split(' - ');
      const fields = left.split(' ');
      const [type = '', , superOptions = ''] = right.split(' ');
      return {
        root: unescapeMount(fields[3] ?? ''),
        point: unescapeMount(fields[4] ?? ''),
        type,
        options: superOptions.split(','),
      };
    });
  const v1Mount = mounted.find((mount) => mount.type === 'cgroup' && mount.options.includes('memory'));
  const v1Group = groups.find((group) => group.controllers.includes('memory'));
  if (v1Mount !== undefined && v1Group !== undefined) {
    const dir = inMount(v1Mount, v1Group.path);
    if (dir === null) return { reason: `this process's memory cgroup ${v1Group.path} is not under a mount` };
    return { dir, version: 1 };
  }
  const v2Mount = mounted.find((mount) => mount.type === 'cgroup2');
  const v2Group = groups.find((group) => group.id === '0' && group.controllers.join('') === '');
  if (v2Mount === undefined || v2Group === undefined) {
    return { reason: 'no cgroup memory controller is mounted (neither cgroup v1 memory nor cgroup v2)' };
  }
  const dir = inMount(v2Mount, v2Group.path);
  if (dir === null) return { reason: `this process's cgroup ${v2Group.path} is not under a mount` };
  return await usableV2(dir);
}

/** A cgroup v2 directory whose children get the memory controller, enabling it when allowed. */
async function usableV2(dir: string): Promise<CgroupParent | { reason: string }> {
  const words = async (file: string) =>
    (await readFile(path.join(dir, file), 'utf8').catch(() => '')).trim().split(/\s+/);
  if ((await words('cgroup.subtree_control')).includes('memory')) return { dir, version: 2 };
  if (!(await words('cgroup.controllers')).includes('memory')) {
    return { reason: `the memory controller is not available in the cgroup v2 ${dir} (cgroup.controllers)` };
  }
  try {
    await writeFile(path.join(dir, 'cgroup.subtree_control'), '+memory');
    return { dir, version: 2 };
  } catch (error) {
    return {
      reason:
        `cannot enable the memory controller for children of the cgroup v2 ${dir}: ${errorCode(error)} ` +
        '(a cgroup holding processes cannot; give cgroupParent, a cgroup delegated to Goosuke, e.g. by systemd Delegate=yes)',
    };
  }
}

/** Where cgroup `group` (a path of /proc/self/cgroup) lies on the file system, or null. */
function inMount(mount: { root: string; point: string }, group: string): string | null {
  if (mount.root === '/') return path.join(mount.point, group);
  if (group === mount.root || group.startsWith(`${mount.root}/`)) {
    return path.join(mount.point, group.slice(mount.root.length));
  }
  return null;
}

/** mountinfo writes space, tab, newline and backslash as octal escapes (`\040`). */
function unescapeMount(text: string): string {
  return text.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(Number.parseInt(octal, 8)));
}

async function oomKills(dir: string, version: 1 | 2, bytes: number): Promise<string[]> {
  const read = (file: string) => readFile(path.join(dir, file), 'utf8').catch(() => '');
  const count = (text: string, key: string) =>
    Number(new RegExp(`^${key} (\\d+)$`, 'm').exec(text)?.[1] ?? 0);
  const kills =
    version === 1
      ? count(await read('memory.oom_control'), 'oom_kill')
      : count(await read('memory.events'), 'oom_kill');
  if (kills === 0) return [];
  const processes = kills === 1 ? '1 process' : `${kills} processes`;
  return [
    `the memory limit of ${formatBytes(bytes)} was reached: the kernel killed ${processes} of the agent (cgroup v${version} out of memory)`,
  ];
}

async function removeCgroup(dir: string, version: 1 | 2): Promise<void> {
  const deadline = Date.now() + removeWithinMs;
  // cgroup v2 (Linux 5.14+) kills the whole cgroup at once; elsewhere each listed process.
  if (version === 2) await writeFile(path.join(dir, 'cgroup.kill'), '1').catch(() => {});
  for (;;) {
    const pids = (await readFile(path.join(dir, 'cgroup.procs'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((line) => /^\d+$/.test(line))
      .map(Number);
    if (pids.length === 0 || Date.now() > deadline) break;
    // Only what the run's tree left behind (bwrap's --die-with-parent normally leaves nothing).
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {}
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  for (;;) {
    try {
      await rmdir(dir);
      return;
    } catch (error) {
      // EBUSY while the last processes are being torn down.
      if (errorCode(error) === 'ENOENT' || Date.now() > deadline) return;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException)?.code ?? String((error as Error)?.message ?? error);
}
