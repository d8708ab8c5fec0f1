import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { InvalidInputError, UnsupportedError } from '@goosuke/core';
import type { AgentLaunch, AgentSandbox, ConfinedLaunch, SandboxAvailability } from './agent-sandbox.ts';

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
  /** Where each run's private HOME and TMPDIR are made (a directory per run); default `os.tmpdir()`. */
  privateDirsIn?: string;
  /**
   * Keep each run's private directory after the run instead of removing it (a later step keeps a
   * per-task agent home this way); default false. The run's `sandbox` event names the paths.
   */
  keepPrivateDirs?: boolean;
  /**
   * The agent's network. Only `'none'` exists today: a network namespace of its own with nothing
   * but a loopback interface, so neither the host's loopback services nor the internet are
   * reachable. The model gateway (issue 16, item 4) will add a mode that reaches only the gateway.
   */
  network?: 'none';
}

/** The defaults of {@link BubblewrapSandboxOptions}. */
export const bubblewrapSandboxDefaults = Object.freeze({
  bwrapPath: '/usr/bin/bwrap',
  prlimitPath: '/usr/bin/prlimit',
  cpuTimeLimitSeconds: 1_800,
  network: 'none' as const,
});

/** What `--unshare-all` unshares (user and cgroup where the kernel allows: bwrap tries them). */
const unsharedNamespaces = ['user', 'ipc', 'pid', 'net', 'uts', 'cgroup'];
/** Why no memory limit is applied: said in every run's `sandbox` event. */
const memoryNotApplied =
  'not applied: memory limits need a delegated cgroup (cgroup v2), which this sandbox does not set up yet; ' +
  'RLIMIT_AS is never used (it breaks V8)';
const probeTimeoutMs = 10_000;

/** Probes per bwrap path, made once per process: a host's namespaces do not come and go. */
const probes = new Map<string, Promise<SandboxAvailability>>();

/**
 * Whether `bwrap` at `bwrapPath` exists and can create the sandbox's namespaces: runs
 * `bwrap --version`, then `true` under `--ro-bind / / --dev /dev --proc /proc --unshare-all
 * --die-with-parent --new-session`. The answer is cached per path for the life of the process.
 * Never rejects: a failure is `{ available: false, reason }`, the reason naming the binary.
 */
export function probeBubblewrap(
  bwrapPath: string = bubblewrapSandboxDefaults.bwrapPath,
): Promise<SandboxAvailability> {
  let probe = probes.get(bwrapPath);
  if (probe === undefined) {
    probe = runProbe(bwrapPath);
    probes.set(bwrapPath, probe);
  }
  return probe;
}

async function runProbe(bwrapPath: string): Promise<SandboxAvailability> {
  if (!existsSync(bwrapPath)) {
    return {
      available: false,
      reason: `${bwrapPath} does not exist (install bubblewrap: apt-get install bubblewrap)`,
    };
  }
  const version = await run(bwrapPath, ['--version']);
  if (!version.ok) return { available: false, reason: `${bwrapPath} --version failed: ${version.error}` };
  const namespaces = await run(bwrapPath, [
    '--ro-bind',
    '/',
    '/',
    '--dev',
    '/dev',
    '--proc',
    '/proc',
    '--unshare-all',
    '--die-with-parent',
    '--new-session',
    'true',
  ]);
  if (!namespaces.ok) {
    return {
      available: false,
      reason: `${bwrapPath} cannot create the namespaces (are user namespaces allowed?): ${namespaces.error}`,
    };
  }
  return { available: true, version: version.stdout.trim().replace(/^bubblewrap\s+/, '') };
}

function run(
  file: string,
  args: string[],
): Promise<{ ok: true; stdout: string } | { ok: false; error: string }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { env: { PATH: '/usr/bin:/bin' }, timeout: probeTimeoutMs },
      (error, stdout, stderr) => {
        if (error === null) resolve({ ok: true, stdout });
        else resolve({ ok: false, error: (String(stderr).trim() || error.message).slice(0, 500) });
      },
    );
  });
}

/**
 * A sandbox that runs the agent under bubblewrap: the whole file system read-only (`--ro-bind /
 * /`, `/tmp` included), a fresh `/dev` and `/proc`; writable only the working copy (bound
 * at its own absolute path, so ACP paths and the cwd are unchanged; its `.git`, when there is one,
 * stays read-only) and a private HOME and TMPDIR made for the run and removed after it (unless
 * `keepPrivateDirs`); every namespace unshared (`--unshare-all`: no network but an isolated
 * loopback), `--die-with-parent` and `--new-session`; the environment cleared and set to exactly
 * the declared one plus `HOME` and `TMPDIR` (which the sandbox owns and overrides) and `PWD`
 * (which bwrap always sets to the cwd); RLIMIT_CPU
 * through `prlimit`. No memory limit yet (no cgroup is set up), said in every run's `sandbox`
 * event. The options reach bwrap on file descriptor 3 (`--args 3`), never on its command line.
 *
 * `confine` throws `UnsupportedError` when {@link probeBubblewrap} says bwrap cannot run here.
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

type Settings = Required<Omit<BubblewrapSandboxOptions, 'privateDirsIn'>> & { privateDirsIn: string | null };

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
  const cpu = options.cpuTimeLimitSeconds;
  if (cpu !== undefined && cpu !== null && (!Number.isInteger(cpu) || cpu < 1)) {
    throw new InvalidInputError('cpuTimeLimitSeconds must be a positive integer number of seconds, or null');
  }
  if (options.network !== undefined && options.network !== 'none') {
    throw new InvalidInputError("network must be 'none' (the gateway mode does not exist yet)");
  }
  if (options.keepPrivateDirs !== undefined && typeof options.keepPrivateDirs !== 'boolean') {
    throw new InvalidInputError('keepPrivateDirs must be a boolean');
  }
  return {
    bwrapPath: absolute('bwrapPath', options.bwrapPath, bubblewrapSandboxDefaults.bwrapPath),
    prlimitPath: absolute('prlimitPath', options.prlimitPath, bubblewrapSandboxDefaults.prlimitPath),
    cpuTimeLimitSeconds: cpu === undefined ? bubblewrapSandboxDefaults.cpuTimeLimitSeconds : cpu,
    privateDirsIn:
      options.privateDirsIn === undefined ? null : absolute('privateDirsIn', options.privateDirsIn, ''),
    keepPrivateDirs: options.keepPrivateDirs ?? false,
    network: 'none',
  };
}

async function confine(settings: Settings, version: string, launch: AgentLaunch): Promise<ConfinedLaunch> {
  // Bound by its real path: bwrap follows links in the destination, and an agent that resolves its
  // cwd must find the same tree writable.
  const copy = await realpath(launch.cwd);
  const base = await mkdtemp(path.join(settings.privateDirsIn ?? tmpdir(), 'goosuke-agent-'));
  const home = path.join(base, 'home');
  const tmp = path.join(base, 'tmp');
  let released: Promise<void> | null = null;
  const release = () => {
    released ??= settings.keepPrivateDirs
      ? Promise.resolve()
      : rm(base, { recursive: true, force: true }).catch(() => {});
    return released;
  };
  try {
    await mkdir(home, { mode: 0o700 });
    await mkdir(tmp, { mode: 0o700 });
  } catch (error) {
    await rm(base, { recursive: true, force: true }).catch(() => {});
    throw error;
  }

  const env: Record<string, string> = { ...launch.env, HOME: home, TMPDIR: tmp };
  const gitDir = path.join(copy, '.git');
  // The agent edits the copy, not its history: a writable .git would let it plant hooks or config
  // that Goosuke's own git commands then run outside the sandbox.
  const readOnly = existsSync(gitDir) ? ['/', gitDir] : ['/'];
  const bwrapArgs = [
    ['--ro-bind', '/', '/'],
    ['--dev', '/dev'],
    ['--proc', '/proc'],
    // No tmpfs over /tmp: the agent's own files (its script, its node_modules) and the working
    // copy often live under /tmp (a CI checkout in a temporary directory), and a tmpfs would hide
    // them. /tmp stays read-only like the rest; the agent's TMPDIR is its private one.
    ['--bind', copy, copy],
    readOnly.length > 1 ? ['--ro-bind', gitDir, gitDir] : [],
    ['--bind', home, home],
    ['--bind', tmp, tmp],
    // Network 'none': the new network namespace has only its own loopback.
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
  let cpu: { applied: boolean; seconds: number | null; reason: string };
  let prefix: string[] = [];
  if (settings.cpuTimeLimitSeconds === null) {
    cpu = { applied: false, seconds: null, reason: 'no CPU-time limit was asked for' };
  } else if (!existsSync(settings.prlimitPath)) {
    cpu = {
      applied: false,
      seconds: settings.cpuTimeLimitSeconds,
      reason: `${settings.prlimitPath} does not exist (util-linux): Node cannot set a child's rlimits`,
    };
    warnings.push(`CPU-time limit of ${settings.cpuTimeLimitSeconds} s not applied: ${cpu.reason}`);
  } else {
    const seconds = settings.cpuTimeLimitSeconds;
    // Soft and hard alike: SIGXCPU at the limit, SIGKILL one second later if it is caught.
    prefix = [settings.prlimitPath, `--cpu=${seconds}:${seconds + 1}`, '--'];
    cpu = { applied: true, seconds, reason: `RLIMIT_CPU through ${settings.prlimitPath}, per process` };
  }
  const [command, ...args] = [
    ...prefix,
    settings.bwrapPath,
    '--args',
    '3',
    '--',
    launch.command,
    ...launch.args,
  ];
  const cpuWords = cpu.applied ? `, CPU ${cpu.seconds} s per process` : '';
  return {
    command: command as string,
    args,
    // bwrap clears it (--clearenv); prlimit and bwrap themselves need nothing.
    env: {},
    cwd: launch.cwd,
    fd3,
    summary: `bubblewrap ${version}: read-only file system but the working copy and a private HOME and TMPDIR, no network${cpuWords}, no memory limit`,
    warnings,
    report: {
      kind: 'sandbox',
      sandboxed: true,
      sandbox: 'bubblewrap',
      version,
      bwrapPath: settings.bwrapPath,
      namespaces: unsharedNamespaces,
      network: 'none',
      readOnly,
      writable: [copy, home, tmp],
      home,
      tmpdir: tmp,
      privateDirsKept: settings.keepPrivateDirs,
      // bwrap itself adds PWD (the cwd) after --clearenv, whatever it is told.
      environment: [...new Set([...Object.keys(env), 'PWD'])].sort(),
      limits: { cpu, memory: { applied: false, reason: memoryNotApplied } },
    },
    release,
  };
}
