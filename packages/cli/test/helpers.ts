// Test helpers shared by the CLI's test files: run `main` in-process with captured streams,
// and copy the fixture project into a temp dir.
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
