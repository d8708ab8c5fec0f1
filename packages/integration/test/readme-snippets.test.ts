// The README's TypeScript blocks are one program (its "Using the SDK" section says so): here they
// are pasted in order into one file and run with Node on the built packages, against the
// providers' loopback fakes, with one change only: the example GitHub URL becomes a local
// repository (no network). The program must also type-check under the packages' strict options.
// A snippet that no longer runs (or compiles) as written fails here.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type FakeAnthropicServer,
  fakeAnthropicText,
  startFakeAnthropicServer,
} from '@goosuke/anthropic/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepository, temporaryDirectory } from './support.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const built = existsSync(path.join(root, 'packages', 'cli', 'dist', 'index.js'));
const keys = { openai: 'sk-readme-openai-1f4e7a', anthropic: 'sk-ant-readme-8c2d5b' };

const slugify = 'export function slugify(title: string): string {\n  return title.toLowerCase();\n}\n';
const openaiReply = [
  'Accents are folded.',
  '',
  '*** Begin Patch',
  '*** Update File: src/slugify.ts',
  '@@',
  ' export function slugify(title: string): string {',
  '-  return title.toLowerCase();',
  "+  return title.normalize('NFKD').replace(/[\\u0300-\\u036f]/g, '').toLowerCase();",
  ' }',
  '*** End Patch',
].join('\n');
const searchReplace = (file: string, search: string, replace: string) =>
  ['Done.', '', file, '```ts', '<<<<<<< SEARCH', search, '=======', replace, '>>>>>>> REPLACE', '```'].join(
    '\n',
  );

/** The README's ```ts blocks, in order. */
async function readmeProgram(): Promise<string> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  return [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((match) => match[1]).join('\n');
}

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

describe('README snippets (they need the built packages: `npm run build`)', () => {
  it.skipIf(!built)(
    'the TypeScript blocks run, in order, as one program',
    async () => {
      const openai: FakeOpenAIServer = await startFakeOpenAIServer({ apiKey: keys.openai });
      const anthropic: FakeAnthropicServer = await startFakeAnthropicServer({ apiKey: keys.anthropic });
      cleanups.push(
        () => openai.close(),
        () => anthropic.close(),
      );
      // Two runs per provider: the runs.create block and the pipeline block.
      for (let index = 0; index < 2; index++) {
        openai.respond({ kind: 'reply', text: openaiReply });
        anthropic.respond(
          fakeAnthropicText(
            searchReplace(
              'src/slugify.ts',
              '  return title.toLowerCase();',
              "  return title.normalize('NFD');",
            ),
          ),
        );
      }
      const scratch = await temporaryDirectory('goosuke-readme-');
      cleanups.push(() => scratch.cleanup());
      const widgets = path.join(scratch.dir, 'widgets');
      await makeRepository(widgets, { 'src/slugify.ts': slugify });
      // The program's working directory: its database, and what the edit-engine block edits.
      const cwd = path.join(scratch.dir, 'app');
      await makeRepository(cwd, { 'src/greet.ts': "export const greet = () => 'Hello';\n" });
      await writeFile(
        path.join(cwd, 'reply.md'),
        searchReplace(
          'src/greet.ts',
          "export const greet = () => 'Hello';",
          "export const greet = () => 'Hi';",
        ),
      );

      const program = (await readmeProgram()).replaceAll(
        'https://github.com/acme/widgets.git',
        pathToFileURL(widgets).href,
      );
      // Inside the repository, so that `@goosuke/*` resolve to the workspace packages (Node strips
      // types only outside node_modules).
      const holder = await mkdtemp(path.join(root, 'packages', 'integration', '.readme-program-'));
      cleanups.push(() => rm(holder, { recursive: true, force: true }));
      await writeFile(path.join(holder, 'program.ts'), program);

      const result = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (resolve, reject) => {
          const child = spawn(process.execPath, [path.join(holder, 'program.ts')], {
            cwd,
            env: {
              PATH: process.env.PATH ?? '',
              HOME: process.env.HOME ?? '',
              GOOSUKE_SECRET_KEY: 'readme-snippets-master-secret-0123456789',
              GOOSUKE_DATA_DIR: path.join(scratch.dir, 'data'),
              GOOSUKE_SCRYPT_COST: 'N=1024,r=8,p=1',
              OPENAI_API_KEY: keys.openai,
              OPENAI_BASE_URL: openai.url,
              ANTHROPIC_API_KEY: keys.anthropic,
              ANTHROPIC_BASE_URL: anthropic.url,
            },
          });
          let stdout = '';
          let stderr = '';
          child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
          child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
          child.on('error', reject);
          child.on('exit', (code) => resolve({ code, stdout, stderr }));
        },
      );
      expect(result.code, `${result.stdout}\n${result.stderr}`).toBe(0);
      // runs.create's events and comparison, the pipeline's events and pick, the policy, the engine.
      expect(result.stdout).toContain('run-succeeded');
      expect(result.stdout).toContain('runs-started');
      expect(result.stdout).toMatch(/goosuke\/run-/);
      expect(result.stdout).toContain('NotFoundError');
      expect(await readFile(path.join(cwd, 'src', 'greet.ts'), 'utf8')).toBe(
        "export const greet = () => 'Hi';\n",
      );

      // And it type-checks as strictly as the packages themselves, against their published types.
      const tsc = spawnSync(
        process.execPath,
        [
          path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
          '--ignoreConfig',
          '--noEmit',
          '--strict',
          '--exactOptionalPropertyTypes',
          '--noUncheckedIndexedAccess',
          '--module',
          'nodenext',
          '--target',
          'es2023',
          '--skipLibCheck',
          '--types',
          'node',
          path.join(holder, 'program.ts'),
        ],
        { cwd: root, encoding: 'utf8' },
      );
      expect(tsc.status, tsc.stdout + tsc.stderr).toBe(0);
    },
    120_000,
  );

  /**
   * The names the packages' READMEs use without defining them, with their types: a block is an
   * excerpt of a program that has these. A block that uses any other undefined name fails.
   */
  const givens: Record<string, string> = {
    goosuke: "import('@goosuke/cli').DefaultGoosuke",
    store: "import('@goosuke/core').Store",
    secretBox: "import('@goosuke/core').SecretBox",
    workspace: "import('@goosuke/core').Workspace",
    task: "import('@goosuke/core').Task",
    run: "import('@goosuke/core').Run",
    bob: "import('@goosuke/core').User",
    gpt: "import('@goosuke/core').ModelProfile",
    claude: "import('@goosuke/core').ModelProfile",
    executeRun: '(payload: unknown, signal: AbortSignal) => Promise<void>',
    modelReply: 'string',
    bearerToken: 'string',
    repoId: 'string',
    defaultProfileId: 'string',
    pem: 'string',
    token: 'string',
  };

  it.skipIf(!built)(
    "every package README's TypeScript block type-checks strictly, given only the names it says it is given",
    async () => {
      const holder = await mkdtemp(path.join(root, 'packages', 'integration', '.readme-program-'));
      cleanups.push(() => rm(holder, { recursive: true, force: true }));
      const files: Array<{ file: string; source: string; block: string }> = [];
      for (const directory of await readdir(path.join(root, 'packages'))) {
        const readme = path.join(root, 'packages', directory, 'README.md');
        if (!existsSync(readme)) continue;
        const blocks = [...(await readFile(readme, 'utf8')).matchAll(/```ts\n([\s\S]*?)```/g)];
        for (const [index, match] of blocks.entries()) {
          const file = path.join(holder, `${directory}-${index + 1}.ts`);
          // `export {}` makes each block a module of its own, as in a program's own file.
          files.push({
            file,
            source: `${match[1]}\nexport {};\n`,
            block: `packages/${directory}/README.md block ${index + 1}`,
          });
        }
      }
      expect(files.length).toBeGreaterThan(10);
      const tsc = () =>
        spawnSync(
          process.execPath,
          [
            path.join(root, 'node_modules', 'typescript', 'bin', 'tsc'),
            '--ignoreConfig',
            '--noEmit',
            '--strict',
            '--exactOptionalPropertyTypes',
            '--noUncheckedIndexedAccess',
            '--module',
            'nodenext',
            '--target',
            'es2023',
            '--skipLibCheck',
            '--types',
            'node',
            ...files.map((entry) => entry.file),
          ],
          { cwd: root, encoding: 'utf8' },
        );
      for (const entry of files) await writeFile(entry.file, entry.source);
      // First pass: which given names each block uses.
      const missing = new Map<string, Set<string>>();
      for (const line of tsc().stdout.split('\n')) {
        const found = /^(.+?)\(\d+,\d+\): error TS(?:2304|2552|18004): .*?'([A-Za-z_$][\w$]*)'/.exec(line);
        if (found === null) continue;
        const names = missing.get(path.resolve(root, found[1]!)) ?? new Set<string>();
        names.add(found[2]!);
        missing.set(path.resolve(root, found[1]!), names);
      }
      for (const entry of files) {
        const names = [...(missing.get(entry.file) ?? [])];
        const unknown = names.filter((name) => givens[name] === undefined);
        expect(unknown, `${entry.block} uses ${unknown.join(', ')} without defining it`).toEqual([]);
        const prelude = names.map((name) => `declare const ${name}: ${givens[name]};\n`).join('');
        await writeFile(entry.file, prelude + entry.source);
      }
      // Second pass: with those names given, every block compiles.
      const result = tsc();
      const blockOf = (line: string) =>
        files.find((entry) => line.startsWith(path.relative(root, entry.file)))?.block ?? '';
      const errors = result.stdout
        .split('\n')
        .filter((line) => line.includes('error TS'))
        .map((line) => `${blockOf(line)}: ${line}`);
      expect(errors).toEqual([]);
      expect(result.status).toBe(0);
    },
    120_000,
  );
});
