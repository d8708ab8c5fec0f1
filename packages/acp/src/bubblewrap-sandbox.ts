import { existsSync } from 'node:fs';
import { mkdtemp, realpath, rm } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { InvalidInputError, type JsonValue, UnsupportedError } from '@goosuke/core';
import { privateDirsRoot } from './agent-dirs.ts';
import type { AgentLaunch, AgentSandbox, ConfinedLaunch } from './agent-sandbox.ts';
import { defaultBwrapPath, probeBubblewrap } from './bubblewrap-probe.ts';
import { type LinkedGitDirs, linkedGitDirs } from './git-dirs.ts';
import { type LoopbackForwarders, startLoopbackForwarders } from './loopback-forwarders.ts';
import { createMemoryCgroup, formatBytes, type MemoryCgroup } from './memory-cgroup.ts';
import {
  type ExistingPath,
  existingPaths,
  type MountRequest,
  mountArguments,
  readPathList,
} from './sandbox-mounts.ts';

export { probeBubblewrap } from './bubblewrap-probe.ts';

/** Options of {@link createBubblewrapSandbox}. */
export interface BubblewrapSandboxOptions {
  /** The `bwrap` executable, absolute; default `/usr/bin/bwrap` (Debian's `bubblewrap`). */
  bwrapPath?: string;
  /**
   * util-linux's `prlimit`, absolute, which sets the CPU-time limit (Node cannot set a child's
   * rlimits); default `/usr/bin/prlimit`. When it does not exist the limit is not applied, and the
   * run's `sandbox` event and warnings say so.
   */
  prlimitPath?: string;
  /**
   * RLIMIT_CPU of every process of the agent, in CPU seconds (each process counts its own time:
   * the kernel has no per-tree CPU rlimit); default 1800, `null` for none. RLIMIT_AS is never set:
   * V8 reserves far more address space than it uses and fails under it.
   */
  cpuTimeLimitSeconds?: number | null;
  /**
   * The memory (RAM, plus swap where the host accounts for it) of the agent's whole process tree,
   * in bytes, enforced by a cgroup made for each run; default 4 GiB (an agent, its Node
   * runtime, its MCP servers and the tools it runs), `null` for none. At the limit the kernel
   * kills a process of the tree (on cgroup v2 the whole tree) and the run fails saying so.
   * Where no cgroup can be made (see `cgroupParent`) the limit is not applied, and the run's
   * `sandbox` event and warnings say why; RLIMIT_AS is never used instead. At least 16 MiB.
   */
  memoryLimitBytes?: number | null;
  /**
   * The cgroup directory under which each run's memory cgroup is made: a cgroup v2 directory
   * whose `cgroup.subtree_control` has (or may be given) `memory`, or a directory of cgroup v1's
   * memory controller; absolute. Default: this process's own cgroup (cgroup v1's memory
   * hierarchy when mounted, else cgroup v2's). On cgroup v2 a cgroup holding processes cannot
   * give its children the memory controller, so a Goosuke service should be given a delegated,
   * empty one (systemd `Delegate=yes`, with Goosuke itself moved to a leaf of it).
   */
  cgroupParent?: string;
  /**
   * Absolute paths hidden from the agent: a directory gets an empty tmpfs over it, anything else
   * (a file: Goosuke's `.env`, a database) `/dev/null`, read-only, which cannot even be opened.
   * For what the read-only view of the host must not show: where per-task agent homes are kept
   * (other tasks' sessions), Goosuke's data directory (its database, other repositories' clones),
   * the HOME of the user running Goosuke (`~/.ssh`, `~/.aws`, tokens under `~/.config`), key files.
   * Symbolic links are followed (the path they lead to is hidden); a path that does not exist is
   * skipped. Never `/`. What the run needs stays visible inside a hidden directory: its working
   * copy, HOME and TMPDIR (writable), the copy's git directories (read-only, see
   * {@link createBubblewrapSandbox}), and `visiblePaths`. Default none; every run's fresh
   * private directories are hidden anyway.
   */
  hiddenPaths?: readonly string[];
  /**
   * Absolute paths shown to the agent READ-ONLY even inside a hidden directory: what the agent
   * needs to run when it lives under a hidden one (Node and an agent installed under a hidden
   * HOME, through nvm or an `npm -g` prefix in `~`). A hidden path inside a visible one stays
   * hidden; a path both hidden and visible stays hidden. Symbolic links are followed; a path
   * that does not exist is skipped. Never `/`. Added to each launch's own
   * (`AgentLaunch.visiblePaths`, from `createAcpAgent`'s `visiblePaths`). Default none.
   */
  visiblePaths?: readonly string[];
  /**
   * The agent's network. Only `'none'` exists: a network namespace of its own with nothing but a
   * loopback interface, so neither the host's loopback services nor the internet are reachable,
   * except the host loopback ports a run allows (`createAcpAgent`'s `allowLoopbackPorts`), which
   * are forwarded to the same `127.0.0.1:<port>` inside.
   */
  network?: 'none';
}

/** The defaults of {@link BubblewrapSandboxOptions}. */
export const bubblewrapSandboxDefaults = Object.freeze({
  bwrapPath: defaultBwrapPath,
  prlimitPath: '/usr/bin/prlimit',
  cpuTimeLimitSeconds: 1_800,
  /** 4 GiB. */
  memoryLimitBytes: 4_294_967_296,
  network: 'none' as const,
});

/** What `--unshare-all` unshares (user and cgroup where the kernel allows: bwrap tries them). */
const unsharedNamespaces = ['user', 'ipc', 'pid', 'net', 'uts', 'cgroup'];
const minMemoryBytes = 16 * 2 ** 20;
/** The first port an unprivileged process may listen on: the bridge has no capability. */
const firstUnprivilegedPort = 1024;

// Next to this module: `.ts` when running from the sources, `.js` once built (its own tsup entry).
const bridgePath = fileURLToPath(
  new URL(import.meta.url.endsWith('.ts') ? './net-bridge.ts' : './net-bridge.js', import.meta.url),
);

/**
 * A sandbox that runs the agent under bubblewrap:
 * - the whole file system read-only (`--ro-bind / /`, `/tmp` included), a fresh `/dev` and
 *   `/proc`; writable only the working copy (bound at its own absolute path, so ACP paths and the
 *   cwd are unchanged; its `.git`, when there is one, stays read-only) and the run's HOME and
 *   TMPDIR (`launch.home`, `launch.tmpdir`);
 * - every run's private directories hidden (a tmpfs over Goosuke's `goosuke-agents-<uid>`, then
 *   this run's bound back), so that an agent reads neither another run's HOME (which may hold its
 *   gateway token) nor its forwarder sockets; and so are `hiddenPaths` (directories and files);
 * - shown again, read-only, inside what is hidden: the working copy's git directories when its
 *   `.git` is a file naming one (a linked worktree of a clone kept in a hidden data directory:
 *   the named git directory and, from its `commondir`, the clone's `.git`), so that `git status`,
 *   `git diff` and `git log` work in the copy; `visiblePaths` and each launch's
 *   `launch.visiblePaths` (what the agent runs from); and what the loopback bridge runs from.
 *   Wherever hidden and shown paths nest, the deepest one decides; the run's own copy, HOME and
 *   TMPDIR are always there and writable, and a path both hidden and shown stays hidden;
 * - every namespace unshared (`--unshare-all`): no network but an isolated loopback, where each
 *   of `launch.allowLoopbackPorts` is served on `127.0.0.1:<port>` by a bridge (`net-bridge.ts`,
 *   run with this Node before the agent, which it then starts) that passes connections through a
 *   Unix socket to a forwarder in this process, connected to the host's `127.0.0.1:<port>`;
 * - `--die-with-parent`, `--new-session`, `--cap-drop ALL`;
 * - the environment cleared and set to exactly `launch.env` (which holds HOME and TMPDIR) plus
 *   `PWD` (which bwrap always sets to the cwd);
 * - RLIMIT_CPU through `prlimit`; the tree's memory through a cgroup of its own (see
 *   `memoryLimitBytes`), not applied where the host has none to give (said in the run's
 *   `sandbox` event and warnings).
 *
 * The options reach bwrap on file descriptor 3 (`--args 3`), never on its command line.
 * `confine` throws `UnsupportedError` when {@link probeBubblewrap} says bwrap cannot run here, or
 * for an allowed port below 1024 (the bridge cannot listen there without a capability).
 * @throws InvalidInputError for invalid options.
 */
export function createBubblewrapSandbox(options: BubblewrapSandboxOptions = {}): AgentSandbox {
  const settings = readOptions(options);
  return {
    name: 'bubblewrap',
    available: () => probeBubblewrap(settings.bwrapPath),
    async confine(launch) {
      const availability = await probeBubblewrap(settings.bwrapPath);
      if (!availability.available) {
        throw new UnsupportedError(`the bubblewrap sandbox cannot run on this host: ${availability.reason}`);
      }
      return await confine(settings, availability.version, launch);
    },
  };
}

interface Settings {
  bwrapPath: string;
  prlimitPath: string;
  cpuTimeLimitSeconds: number | null;
  memoryLimitBytes: number | null;
  cgroupParent: string | null;
  hiddenPaths: readonly string[];
  visiblePaths: readonly string[];
}

function readOptions(options: BubblewrapSandboxOptions): Settings {
  if (typeof options !== 'object' || options === null) {
    throw new InvalidInputError('createBubblewrapSandbox options must be an object');
  }
  const absolute = (name: string, value: unknown, fallback: string): string => {
    if (value === undefined) return fallback;
    if (typeof value !== 'string' || !path.isAbsolute(value) || value.includes('\0')) {
      throw new InvalidInputError(`${name} must be an absolute path`);
    }
    return value;
  };
  for (const removed of ['privateDirsIn', 'keepPrivateDirs']) {
    if (removed in options) {
      throw new InvalidInputError(
        `${removed} no longer exists: createAcpAgent makes the run's HOME and TMPDIR, and its home option keeps a HOME`,
      );
    }
  }
  const cpu = options.cpuTimeLimitSeconds;
  if (cpu !== undefined && cpu !== null && (!Number.isInteger(cpu) || cpu < 1)) {
    throw new InvalidInputError('cpuTimeLimitSeconds must be a positive integer number of seconds, or null');
  }
  const memory = options.memoryLimitBytes;
  if (memory !== undefined && memory !== null && (!Number.isSafeInteger(memory) || memory < minMemoryBytes)) {
    throw new InvalidInputError(
      `memoryLimitBytes must be an integer number of bytes of at least ${minMemoryBytes}, or null`,
    );
  }
  const hiddenPaths = readPathList('hiddenPaths', options.hiddenPaths);
  const visiblePaths = readPathList('visiblePaths', options.visiblePaths);
  if (options.network !== undefined && options.network !== 'none') {
    throw new InvalidInputError("network must be 'none' (createAcpAgent's allowLoopbackPorts opens ports)");
  }
  return {
    bwrapPath: absolute('bwrapPath', options.bwrapPath, bubblewrapSandboxDefaults.bwrapPath),
    prlimitPath: absolute('prlimitPath', options.prlimitPath, bubblewrapSandboxDefaults.prlimitPath),
    cpuTimeLimitSeconds: cpu === undefined ? bubblewrapSandboxDefaults.cpuTimeLimitSeconds : cpu,
    memoryLimitBytes: memory === undefined ? bubblewrapSandboxDefaults.memoryLimitBytes : memory,
    cgroupParent:
      options.cgroupParent === undefined ? null : absolute('cgroupParent', options.cgroupParent, ''),
    hiddenPaths,
    visiblePaths,
  };
}

/** The per-run resources of a confined launch, made before bwrap starts. */
interface RunResources {
  /** The sandbox's own private directory (the forwarders' sockets). */
  own: string;
  forwarders: LoopbackForwarders | null;
  memory: MemoryCgroup;
  release(): Promise<void>;
}

async function makeResources(settings: Settings, launch: AgentLaunch, root: string): Promise<RunResources> {
  const ports = launch.allowLoopbackPorts;
  const privileged = ports.filter((port) => port < firstUnprivilegedPort);
  if (privileged.length > 0) {
    throw new UnsupportedError(
      `the bubblewrap sandbox cannot serve 127.0.0.1:${privileged.join(', ')} to the agent: ports below ${firstUnprivilegedPort} need a capability the sandbox drops`,
    );
  }
  if (ports.length > 0 && !existsSync(bridgePath)) {
    throw new UnsupportedError(`the network bridge ${bridgePath} is missing: reinstall @goosuke/acp`);
  }
  const own = await mkdtemp(path.join(root, 'sandbox-'));
  let forwarders: LoopbackForwarders | null = null;
  let memory: MemoryCgroup | null = null;
  let released: Promise<void> | null = null;
  const release = () => {
    released ??= (async () => {
      await forwarders?.close();
      if (memory?.applied) await memory.remove();
      await rm(own, { recursive: true, force: true }).catch(() => {});
    })();
    return released;
  };
  try {
    if (ports.length > 0) forwarders = await startLoopbackForwarders(own, ports);
    memory =
      settings.memoryLimitBytes === null
        ? { applied: false, bytes: null, reason: 'no memory limit was asked for' }
        : await createMemoryCgroup(settings.memoryLimitBytes, settings.cgroupParent);
  } catch (error) {
    await release();
    throw error;
  }
  return { own, forwarders, memory, release };
}

async function confine(settings: Settings, version: string, launch: AgentLaunch): Promise<ConfinedLaunch> {
  // Bound by its real path: bwrap follows links in the destination, and an agent that resolves its
  // cwd must find the same tree writable.
  const copy = await realpath(launch.cwd);
  const root = await privateDirsRoot();
  const resources = await makeResources(settings, launch, root);
  const { own, forwarders, memory } = resources;

  const env: Record<string, string> = { ...launch.env, HOME: launch.home, TMPDIR: launch.tmpdir };
  let view: FileSystemView;
  try {
    view = await viewOf(settings, launch, copy, root, forwarders === null ? null : own);
  } catch (error) {
    await resources.release();
    throw error;
  }
  const bwrapArgs = [
    ['--ro-bind', '/', '/'],
    ['--dev', '/dev'],
    ['--proc', '/proc'],
    // No tmpfs over /tmp itself: the agent's own files (its script, its node_modules) and the
    // working copy often live under /tmp (a CI checkout in a temporary directory), and a tmpfs
    // would hide them. /tmp stays read-only like the rest.
    ...view.mounts,
    // Network 'none': the new network namespace has only its own loopback (bwrap brings it up).
    ['--unshare-all'],
    ['--die-with-parent'],
    // A new session: the agent cannot push input into a terminal of ours (TIOCSTI).
    ['--new-session'],
    // No capabilities, also when Goosuke runs as root (bwrap keeps them for root otherwise): no
    // CAP_DAC_OVERRIDE to write read-only files, no CAP_SYS_ADMIN to mount over the binds.
    ['--cap-drop', 'ALL'],
    ['--clearenv'],
    ...Object.entries(env).map(([name, value]) => ['--setenv', name, value]),
    ['--chdir', launch.cwd],
  ].flat();
  const fd3 = Buffer.from(bwrapArgs.map((arg) => `${arg}\0`).join(''), 'utf8');

  const warnings: string[] = [];
  const cpu = cpuLimit(settings, warnings);
  const agent = [launch.command, ...launch.args];
  const inner =
    forwarders === null
      ? agent
      : [
          process.execPath,
          bridgePath,
          ...forwarders.sockets.flatMap(({ port, socket }) => ['--forward', `${port}=${socket}`]),
          '--',
          ...agent,
        ];
  const chain = [...cpu.prefix, settings.bwrapPath, '--args', '3', '--', ...inner];
  const started = memory.applied
    ? memory.wrap(chain[0] as string, chain.slice(1))
    : { command: chain[0] as string, args: chain.slice(1) };
  if (!memory.applied && memory.bytes !== null) {
    warnings.push(`memory limit of ${formatBytes(memory.bytes)} not applied: ${memory.reason}`);
  }

  const ports = launch.allowLoopbackPorts;
  const networkWords =
    ports.length === 0 ? 'no network' : `no network but 127.0.0.1:${ports.join(', 127.0.0.1:')}`;
  const cpuWords = cpu.report.applied ? `, CPU ${cpu.report.seconds} s per process` : '';
  const memoryWords = memory.applied
    ? `memory ${formatBytes(memory.bytes)} (cgroup v${memory.version})`
    : memory.bytes === null
      ? 'no memory limit'
      : `memory: not applied (${memory.reason})`;
  return {
    command: started.command,
    args: started.args,
    // bwrap clears it (--clearenv); sh, prlimit and bwrap themselves need nothing.
    env: {},
    cwd: launch.cwd,
    fd3,
    summary: `bubblewrap ${version}: read-only file system but the working copy and a private HOME and TMPDIR, ${networkWords}${cpuWords}, ${memoryWords}`,
    warnings,
    report: {
      kind: 'sandbox',
      sandboxed: true,
      sandbox: 'bubblewrap',
      version,
      bwrapPath: settings.bwrapPath,
      namespaces: unsharedNamespaces,
      network: ports.length === 0 ? 'none' : 'loopback-ports',
      allowLoopbackPorts: [...ports],
      readOnly: view.readOnly,
      writable: [copy, launch.home, launch.tmpdir],
      hidden: view.hidden,
      visible: view.visible,
      gitDirs: view.gitDirs === null ? null : { ...view.gitDirs },
      home: launch.home,
      tmpdir: launch.tmpdir,
      // bwrap itself adds PWD (the cwd) after --clearenv, whatever it is told.
      environment: [...new Set([...Object.keys(env), 'PWD'])].sort(),
      limits: { cpu: cpu.report, memory: memoryReport(memory) },
    },
    limitsReached: async () => (memory.applied ? await memory.limitsReached() : []),
    release: resources.release,
  };
}

/** What the agent sees of the host's file system: the mounts over `--ro-bind / /`, and what they hide and show. */
interface FileSystemView {
  mounts: string[][];
  /** Bound read-only over the writable copy (its `.git`), or the whole file system (`/`). */
  readOnly: string[];
  /** Real paths hidden, in the order asked: every run's private directories first. */
  hidden: string[];
  /**
   * Real paths shown read-only, even inside a hidden directory: the copy's git directories, the
   * visible paths (the sandbox's, the launch's, the bridge's) that exist and are not hidden
   * themselves. Those outside anything hidden need no mount and get none, but are listed.
   */
  visible: string[];
  gitDirs: LinkedGitDirs | null;
}

/**
 * The mounts of one run (see {@link mountArguments}: the deepest path decides), real paths all:
 * - hidden: every run's private directories (`root`: other runs' HOMEs may hold their gateway
 *   tokens, and their forwarder sockets), then `hiddenPaths`;
 * - writable: the working copy, the run's HOME and TMPDIR;
 * - read-only: the copy's `.git` (the agent edits the copy, not its history: a writable `.git`
 *   would let it plant hooks or config that Goosuke's own git commands then run outside the
 *   sandbox); when `.git` is a file naming a git directory (a linked worktree), that directory
 *   and its common one, so that git works in the copy while the clone's directory is hidden,
 *   still read-only for the same reason; `visiblePaths` (the sandbox's and the launch's); and,
 *   when the loopback bridge runs, the forwarders' sockets (connecting to a socket needs no
 *   writable mount) with what the bridge runs from (this Node, the bridge's directory), since
 *   Goosuke itself may live under a hidden HOME.
 */
async function viewOf(
  settings: Settings,
  launch: AgentLaunch,
  copy: string,
  root: string,
  sockets: string | null,
): Promise<FileSystemView> {
  const hidden = (await existingPaths([root, ...settings.hiddenPaths])).filter((entry) => entry.path !== '/');
  const gitDirs = await linkedGitDirs(copy);
  const bridge = sockets === null ? [] : [path.dirname(bridgePath), path.dirname(process.execPath)];
  const shown = await existingPaths([
    ...(gitDirs === null ? [] : [gitDirs.commonDir, gitDirs.gitDir]),
    ...settings.visiblePaths,
    ...(launch.visiblePaths ?? []),
    ...bridge,
  ]);
  // A path both hidden and visible stays hidden (mountArguments' precedence): not reported as shown.
  const visible = shown.filter(
    (entry) => entry.path !== '/' && !hidden.some((hide) => hide.path === entry.path),
  );
  const dotGit = path.join(copy, '.git');
  const dotGitReal = await existingPaths([dotGit]);
  const writable = (dir: string): MountRequest => ({ path: dir, kind: 'writable', directory: true });
  const readOnly = (entry: ExistingPath): MountRequest => ({ ...entry, kind: 'read-only' });
  const mounts = mountArguments([
    ...hidden.map((entry): MountRequest => ({ ...entry, kind: 'hide' })),
    writable(copy),
    ...dotGitReal.map(readOnly),
    ...visible.map(readOnly),
    writable(launch.home),
    writable(launch.tmpdir),
    ...(sockets === null ? [] : [readOnly({ path: sockets, directory: true })]),
  ]);
  return {
    mounts,
    readOnly: dotGitReal.length > 0 ? ['/', dotGit] : ['/'],
    hidden: hidden.map((entry) => entry.path),
    visible: visible.map((entry) => entry.path),
    gitDirs,
  };
}

function cpuLimit(
  settings: Settings,
  warnings: string[],
): { prefix: string[]; report: { applied: boolean; seconds: number | null; reason: string } } {
  const seconds = settings.cpuTimeLimitSeconds;
  if (seconds === null) {
    return {
      prefix: [],
      report: { applied: false, seconds: null, reason: 'no CPU-time limit was asked for' },
    };
  }
  if (!existsSync(settings.prlimitPath)) {
    const reason = `${settings.prlimitPath} does not exist (util-linux): Node cannot set a child's rlimits`;
    warnings.push(`CPU-time limit of ${seconds} s not applied: ${reason}`);
    return { prefix: [], report: { applied: false, seconds, reason } };
  }
  return {
    // Soft and hard alike: SIGXCPU at the limit, SIGKILL one second later if it is caught.
    prefix: [settings.prlimitPath, `--cpu=${seconds}:${seconds + 1}`, '--'],
    report: { applied: true, seconds, reason: `RLIMIT_CPU through ${settings.prlimitPath}, per process` },
  };
}

function memoryReport(memory: MemoryCgroup): { [key: string]: JsonValue } {
  if (!memory.applied) return { applied: false, bytes: memory.bytes, reason: memory.reason };
  const file = memory.version === 1 ? 'memory.limit_in_bytes' : 'memory.max';
  return {
    applied: true,
    bytes: memory.bytes,
    cgroup: memory.dir,
    reason: `cgroup v${memory.version} ${file} of the whole process tree, made for the run`,
  };
}
