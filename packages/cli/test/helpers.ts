// Test helpers shared by the CLI's test files: run `main` in-process with captured streams or as
// a child process, and copy the fixture project into a temp dir.
import { type ChildProcess, spawn } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { main } from '../src/main.ts';

export const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const fixtures = path.join(packageRoot, 'test', 'fixtures');

export interface MainRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `main(argv)` in-process with string stdin and captured stdout/stderr. */
export async function runMain(
  argv: string[],
  options: { cwd: string; stdin?: string | AsyncIterable<string | Uint8Array>; env?: Record<string, string> },
): Promise<MainRun> {
  let stdout = '';
  let stderr = '';
  const stdin =
    typeof options.stdin === 'string' || options.stdin === undefined
      ? Readable.from([Buffer.from(options.stdin ?? '')])
      : options.stdin;
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    stdin,
    cwd: options.cwd,
    env: options.env ?? {},
  });
  return { code, stdout, stderr };
}

/** Temp directories made by {@link temporaryDirectory}, removed by {@link removeTemporaryDirectories}. */
const made: string[] = [];

export async function temporaryDirectory(prefix = 'goosuke-cli-'): Promise<string> {
  const directory = await mkdtemp(path.join(tmpdir(), prefix));
  made.push(directory);
  return directory;
}

export async function removeTemporaryDirectories(): Promise<void> {
  await Promise.all(made.splice(0).map((directory) => rm(directory, { recursive: true, force: true })));
}

/** A fresh copy of test/fixtures/project in a temp dir of its own. */
export async function copyProject(): Promise<string> {
  // Inside a private parent directory, so that a test can check nothing escaped beside the
  // project without reading the whole system temp directory.
  const parent = await temporaryDirectory('goosuke-project-');
  const directory = path.join(parent, 'project');
  await cp(path.join(fixtures, 'project'), directory, { recursive: true });
  return directory;
}

/** Every file under a directory with its content, for before/after comparisons. */
export async function snapshot(directory: string): Promise<Record<string, string>> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  const files: Record<string, string> = {};
  for (const entry of entries) {
    const full = path.join(entry.parentPath, entry.name);
    const relative = path.relative(directory, full).split(path.sep).join('/');
    files[entry.isDirectory() ? `${relative}/` : relative] = entry.isFile()
      ? await readFile(full, 'utf8')
      : '';
  }
  return files;
}

export function fixture(name: string): string {
  return path.join(fixtures, name);
}

export async function readFixture(name: string): Promise<string> {
  return readFile(fixture(name), 'utf8');
}

/** A `goosuke` command running as a child process (from source); see {@link spawnMain}. */
export interface SpawnedMain {
  child: ChildProcess;
  /** Resolves with the exit code. */
  exited: Promise<number | null>;
  /** Resolves once stderr holds `text`; rejects after 30 s or when the process exits first. */
  said(text: string): Promise<void>;
  stderr(): string;
}

/**
 * Runs `goosuke <argv>` in a child process from the TypeScript sources, so that signal handling
 * is real. The caller kills it in teardown (`child.kill('SIGKILL')` when still running).
 */
export function spawnMain(
  argv: string[],
  options: { cwd: string; env: Record<string, string> },
): SpawnedMain {
  const main = path.join(packageRoot, 'src', 'main.ts');
  const script = `import { main } from ${JSON.stringify(main)}; process.exitCode = await main(process.argv.slice(1));`;
  const child = spawn(
    process.execPath,
    // Transforming, not only stripping, types: some sources (e.g. the OpenAI provider's) use
    // parameter properties, which the runs load lazily.
    [
      '--conditions=@goosuke/source',
      '--experimental-transform-types',
      '--no-warnings=ExperimentalWarning',
      '--input-type=module',
      '-e',
      script,
      ...argv,
    ],
    {
      cwd: options.cwd,
      env: { PATH: process.env.PATH ?? '', ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const said = async (text: string) => {
    for (let waited = 0; !stderr.includes(text); waited += 20) {
      if (waited > 30_000 || child.exitCode !== null)
        throw new Error(`goosuke ${argv[0]} never said ${text}: ${stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  return { child, exited, said, stderr: () => stderr };
}
