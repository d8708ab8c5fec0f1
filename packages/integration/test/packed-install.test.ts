// The packages as a user gets them: every public workspace is packed with `npm pack` (as `npm
// publish` packs it), the tarballs are installed with npm into a new project in the system's
// temporary directory, outside this repository (registry dependencies come from the npm registry,
// through the user's npm cache), and there the README's commands run: `npx goosuke --help`,
// `npx goosuke run` and examples/ci/goosuke-run.sh against loopback stand-ins of the model APIs,
// the README's SDK program on a SQLite file, every entry point imported by Node and type-checked
// by TypeScript. `changeset version` and `npm publish --dry-run` run in a copy of the repository.
// One install serves the whole file. It needs the built packages: the root `npm test` builds first.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type FakeAnthropicServer,
  fakeAnthropicText,
  startFakeAnthropicServer,
} from '@goosuke/anthropic/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkTarball,
  type PackedPackage,
  packPackages,
  publicPackageDirs,
} from '../../../scripts/check-packages.ts';
import { git, makeRepository, temporaryDirectory } from './support.ts';

const root = path.resolve(import.meta.dirname, '..', '..', '..');
const built = publicPackageDirs().every((dir) => existsSync(path.join(root, dir, 'dist')));
const keys = { openai: 'sk-packed-openai-7c41d2e9', anthropic: 'sk-ant-packed-03b6f58a' };
const secretKey = 'packed-install-secret-0123456789abcdefghij';
const instruction = 'Greet people with an exclamation mark.';

const greet = "export function greet(name) {\n  return 'Hello, ' + name;\n}\n";
const greeted = "export function greet(name) {\n  return 'Hello, ' + name + '!';\n}\n";
// gpt-4.1 answers with an apply_patch envelope, Claude with a SEARCH/REPLACE block.
const openaiReply = [
  'The greeting now ends with an exclamation mark.',
  '',
  '*** Begin Patch',
  '*** Update File: src/greet.js',
  '@@',
  ' export function greet(name) {',
  "-  return 'Hello, ' + name;",
  "+  return 'Hello, ' + name + '!';",
  ' }',
  '*** End Patch',
].join('\n');
const anthropicReply = [
  'greet ends with an exclamation mark.',
  '',
  'src/greet.js',
  '```js',
  '<<<<<<< SEARCH',
  "  return 'Hello, ' + name;",
  '=======',
  "  return 'Hello, ' + name + '!';",
  '>>>>>>> REPLACE',
  '```',
].join('\n');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a command to its end without blocking this process: the stand-ins answer from its event loop. */
function run(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Finished> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** {@link run}, again (up to three times in all) while it fails: npm commands that reach the registry. */
async function runWithRetries(
  command: string,
  args: readonly string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
): Promise<Finished> {
  for (let attempt = 1; ; attempt += 1) {
    const result = await run(command, args, cwd, env);
    if (result.code === 0 || attempt === 3) return result;
    // The registry sometimes drops a connection (.ci/run retries its install too).
    await new Promise((resolve) => setTimeout(resolve, attempt * 5_000));
  }
}

/**
 * A user's shell: this Node (24) first on PATH, npm's own settings (cache, registry) from the
 * user's configuration, and nothing of this run: no `npm_*` variable of the `npm test` that started
 * it (they name this repository), no Goosuke or provider setting of the developer's.
 */
function userEnvironment(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) {
    if (/^npm_/i.test(name) && name !== 'npm_config_nodedir') continue;
    if (/^(GOOSUKE_|OPENAI_|ANTHROPIC_|GEMINI_|GOOGLE_|VITEST|NODE_OPTIONS$|INIT_CWD$)/.test(name)) continue;
    env[name] = value;
  }
  env.PATH = `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`;
  return { ...env, ...extra };
}

interface Manifest {
  name: string;
  version: string;
  private?: boolean;
  bin?: Record<string, string>;
  exports?: Record<string, string | Record<string, string>>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
}

const readManifest = (dir: string): Manifest =>
  JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as Manifest;

/** Every `exports` subpath of the installed `@goosuke/*` packages as a specifier, package.json aside. */
function entryPoints(project: string): Array<{ specifier: string; manifest: Manifest }> {
  const scope = path.join(project, 'node_modules', '@goosuke');
  return readdirSync(scope)
    .sort()
    .flatMap((name) => {
      const manifest = readManifest(path.join(scope, name));
      return Object.keys(manifest.exports ?? {})
        .filter((subpath) => !subpath.endsWith('.json'))
        .map((subpath) => ({ specifier: path.posix.join(manifest.name, subpath), manifest }));
    });
}

/** The README's SDK program: the first `js` block of its "Use Goosuke from your own project" section. */
async function readmeSdkProgram(): Promise<string> {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const section = readme.split(/^## /m).find((part) => part.startsWith('Use Goosuke from your own project'));
  const program = section?.match(/```js\n([\s\S]*?)```/)?.[1];
  if (program === undefined)
    throw new Error("README.md: no js block under 'Use Goosuke from your own project'");
  return program;
}

let scratch: { dir: string; cleanup: () => Promise<void> };
let project: string;
let packed: PackedPackage[];
let openai: FakeOpenAIServer;
let anthropic: FakeAnthropicServer;

/** The environment `goosuke run` gets: the stand-ins' addresses and keys, a data directory of its own. */
const goosukeEnvironment = (dataDir: string, extra: Record<string, string> = {}) =>
  userEnvironment({
    GOOSUKE_SECRET_KEY: secretKey,
    GOOSUKE_DATA_DIR: path.join(scratch.dir, dataDir),
    OPENAI_API_KEY: keys.openai,
    OPENAI_BASE_URL: openai.url,
    ANTHROPIC_API_KEY: keys.anthropic,
    ANTHROPIC_BASE_URL: anthropic.url,
    ...extra,
  });

describe.skipIf(!built && !process.env.CI)(
  'the packed packages installed in a project outside the repository',
  () => {
    beforeAll(async () => {
      if (!built) throw new Error('the packages are not built: the test command must build first');
      scratch = await temporaryDirectory('goosuke-packed-');
      project = path.join(scratch.dir, 'greeter');
      // As the README says until the packages are on the registry: the tarballs kept in the project.
      const vendor = path.join(project, 'vendor', 'goosuke');
      await mkdir(vendor, { recursive: true });
      packed = await packPackages(vendor, { env: userEnvironment() });
      // npm 11 runs no dependency's install script unless allowScripts says so; like this
      // repository's package.json (and as the README suggests), the project denies the ones its
      // dependencies have: Goosuke needs none (better-sqlite3 ships prebuilt binaries).
      const allowScripts = { '@scarf/scarf': false, 'better-sqlite3': false, protobufjs: false };
      await writeFile(
        path.join(project, 'package.json'),
        `${JSON.stringify({ name: 'greeter', version: '1.0.0', private: true, type: 'module', allowScripts }, null, 2)}\n`,
      );
      const args = [
        'install',
        '--save-dev',
        '--no-audit',
        '--no-fund',
        ...packed.map((entry) => `./${path.relative(project, entry.tarball)}`),
        // For the TypeScript consumer below, as a TypeScript project on Node has it.
        '@types/node@^24',
      ];
      const install = await runWithRetries('npm', args, project, userEnvironment());
      if (install.code !== 0) throw new Error(`npm install of the tarballs failed:\n${install.stderr}`);
      // examples/ci/README.md's set-up: the script copied into the repository, which is committed.
      await mkdir(path.join(project, 'examples', 'ci'), { recursive: true });
      cpSync(
        path.join(root, 'examples', 'ci', 'goosuke-run.sh'),
        path.join(project, 'examples', 'ci', 'goosuke-run.sh'),
      );
      await makeRepository(project, {
        '.gitignore': 'node_modules/\n',
        'README.md': '# greeter\n\nSays hello.\n',
        'src/greet.js': greet,
      });
      openai = await startFakeOpenAIServer({ apiKey: keys.openai });
      anthropic = await startFakeAnthropicServer({ apiKey: keys.anthropic });
    }, 600_000);

    afterAll(async () => {
      await Promise.all([openai?.close(), anthropic?.close()]);
      await scratch?.cleanup();
    });

    it('packs every public package, and each passes publint, attw and the import check', async () => {
      expect(packed.map((entry) => entry.name).sort()).toEqual(
        publicPackageDirs()
          .map((dir) => readManifest(path.join(root, dir)).name)
          .sort(),
      );
      for (const entry of packed) {
        const { problems } = await checkTarball(entry.tarball);
        expect(problems, entry.name).toEqual([]);
      }
    }, 120_000);

    it('npx goosuke --help and --version answer from the installed CLI', async () => {
      // The project's shell runs this Node (24 with scripts/node-env.sh), not an older one on PATH.
      const node = await run('node', ['--version'], project, userEnvironment());
      expect(node.stdout.trim()).toBe(process.version);
      const help = await run('npx', ['goosuke', '--help'], project, userEnvironment());
      expect(help.code, help.stderr).toBe(0);
      expect(help.stdout).toMatch(/^ {2}run +Run one instruction on several models/m);
      const version = await run('npx', ['goosuke', '--version'], project, userEnvironment());
      expect(version.stdout.trim()).toBe(packed.find((entry) => entry.name === '@goosuke/cli')!.version);
    }, 120_000);

    it("npx goosuke run (the README's command) runs two models on the project against the stand-ins", async () => {
      openai.respond({ kind: 'reply', text: openaiReply });
      anthropic.respond(fakeAnthropicText(anthropicReply));
      const result = await run(
        'npx',
        [
          'goosuke',
          'run',
          '--repo',
          '.',
          '--model',
          'openai:gpt-4.1',
          '--model',
          'anthropic:claude-sonnet-4-6',
          '-m',
          instruction,
        ],
        project,
        goosukeEnvironment('data-run'),
      );
      expect(result.code, result.stderr).toBe(0);
      const output = result.stdout + result.stderr;
      expect(output).toMatch(/^openai:gpt-4\.1 +succeeded/m);
      expect(output).toMatch(/^anthropic:claude-sonnet-4-6 +succeeded/m);
      expect(existsSync(path.join(scratch.dir, 'data-run', 'goosuke.db'))).toBe(true);
      // The project is as it was: the runs happened in Goosuke's own clone.
      expect(await git(project, 'status', '--porcelain')).toBe('');
      expect(await readFile(path.join(project, 'src', 'greet.js'), 'utf8')).toBe(greet);
    }, 120_000);

    it('examples/ci/goosuke-run.sh runs as its README says: npx --no goosuke from the installed devDependency', async () => {
      openai.respond({ kind: 'reply', text: openaiReply });
      anthropic.respond(fakeAnthropicText(anthropicReply));
      // GOOSUKE_BIN and GOOSUKE_MODELS unset: the script's defaults, as in the workflow.
      const result = await run(
        'sh',
        [path.join('examples', 'ci', 'goosuke-run.sh')],
        project,
        goosukeEnvironment('data-ci', { GOOSUKE_INSTRUCTION: instruction }),
      );
      try {
        expect(result.code, result.stderr).toBe(0);
        const report = JSON.parse(await readFile(path.join(project, 'goosuke-result.json'), 'utf8')) as {
          runs: Array<{ model: string; status: string; patchPath: string }>;
        };
        expect(report.runs.map((entry) => [entry.model, entry.status])).toEqual([
          ['openai:gpt-4.1', 'succeeded'],
          ['anthropic:claude-sonnet-4-6', 'succeeded'],
        ]);
        for (const entry of report.runs) await git(project, 'apply', '--check', entry.patchPath);
        await git(project, 'apply', path.join('goosuke-patches', 'openai-gpt-4.1.patch'));
        expect(await readFile(path.join(project, 'src', 'greet.js'), 'utf8')).toBe(greeted);
      } finally {
        await git(project, 'checkout', '--', 'src/greet.js');
        rmSync(path.join(project, 'goosuke-patches'), { recursive: true, force: true });
        rmSync(path.join(project, 'goosuke-result.json'), { force: true });
      }
    }, 120_000);

    it("the README's SDK program creates a goosuke on a SQLite file, which another program reads", async () => {
      const sdkDir = path.join(scratch.dir, 'sdk');
      await mkdir(sdkDir);
      await writeFile(path.join(project, 'goosuke-sdk.mjs'), await readmeSdkProgram());
      const env = userEnvironment({ GOOSUKE_SECRET_KEY: secretKey });
      const created = await run(process.execPath, [path.join(project, 'goosuke-sdk.mjs')], sdkDir, env);
      expect(created.code, created.stderr).toBe(0);
      expect(created.stdout).toMatch(/^task task_\w+ on acme\/widgets, stored in goosuke\.db$/m);
      expect(existsSync(path.join(sdkDir, 'goosuke.db'))).toBe(true);

      await writeFile(
        path.join(project, 'read-tasks.mjs'),
        [
          "import { createGoosuke, createWebCryptoSecretBox } from '@goosuke/core';",
          "import { createSqliteStore } from '@goosuke/store-sqlite';",
          'const goosuke = createGoosuke({',
          "  store: await createSqliteStore({ database: 'goosuke.db' }),",
          '  secretBox: await createWebCryptoSecretBox({ secret: process.env.GOOSUKE_SECRET_KEY }),',
          '});',
          'const { items } = await goosuke.tasks.list({});',
          'console.log(JSON.stringify(items.map((task) => task.title)));',
          'await goosuke.close();',
          '',
        ].join('\n'),
      );
      const read = await run(process.execPath, [path.join(project, 'read-tasks.mjs')], sdkDir, env);
      expect(read.code, read.stderr).toBe(0);
      expect(JSON.parse(read.stdout)).toEqual(['Make slugify fold accents']);
    }, 120_000);

    it('every entry point imports in Node; the /testing ones that run vitest suites need vitest, a declared peer', async () => {
      const entries = entryPoints(project);
      expect(entries.length).toBeGreaterThan(packed.length);
      await writeFile(
        path.join(project, 'import-all.mjs'),
        [
          'for (const specifier of JSON.parse(process.argv[2])) {',
          '  try {',
          '    const module = await import(specifier);',
          '    console.log(JSON.stringify({ specifier, exports: Object.keys(module).length }));',
          '  } catch (error) {',
          "    console.log(JSON.stringify({ specifier, error: String(error.message).split('\\n')[0] }));",
          '  }',
          '}',
          '',
        ].join('\n'),
      );
      const result = await run(
        process.execPath,
        [path.join(project, 'import-all.mjs'), JSON.stringify(entries.map((entry) => entry.specifier))],
        project,
        userEnvironment(),
      );
      expect(result.code, result.stderr).toBe(0);
      const outcomes = result.stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { specifier: string; exports?: number; error?: string });
      expect(outcomes.map((outcome) => outcome.specifier)).toEqual(entries.map((entry) => entry.specifier));
      for (const [index, outcome] of outcomes.entries()) {
        const { manifest } = entries[index]!;
        if (outcome.error !== undefined && manifest.peerDependencies?.vitest !== undefined) {
          // The conformance suites call vitest's describe/it; a project that runs them has vitest.
          expect(outcome.error, outcome.specifier).toContain("Cannot find package 'vitest'");
        } else {
          expect(outcome.error, outcome.specifier).toBeUndefined();
          expect(outcome.exports, outcome.specifier).toBeGreaterThan(0);
        }
      }
    }, 120_000);

    it('a TypeScript program importing every entry point type-checks (strict, NodeNext, declarations checked)', async () => {
      const entries = entryPoints(project);
      await writeFile(
        path.join(project, 'consumer.ts'),
        [
          ...entries.map((entry, index) => `import * as entry${index} from '${entry.specifier}';`),
          `export const entries = [${entries.map((_, index) => `entry${index}`).join(', ')}];`,
          '',
        ].join('\n'),
      );
      await writeFile(
        path.join(project, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            module: 'nodenext',
            target: 'es2023',
            strict: true,
            noEmit: true,
            // Our declarations must resolve every module they name (express, better-sqlite3, …).
            skipLibCheck: false,
            types: ['node'],
          },
          files: ['consumer.ts'],
        }),
      );
      const tsc = path.join(root, 'node_modules', 'typescript', 'bin', 'tsc');
      const result = await run(process.execPath, [tsc, '-p', 'tsconfig.json', '--pretty', 'false'], project, {
        ...userEnvironment(),
      });
      // Errors inside a third-party package's own declarations are its business, not ours.
      const ours = result.stdout
        .split('\n')
        .filter((line) => /^(consumer\.ts|node_modules\/@goosuke\/|error TS)/.test(line));
      expect(ours).toEqual([]);
    }, 180_000);

    it('changeset version and npm publish --dry-run succeed for every package, in a copy of the repository', async () => {
      const copy = path.join(scratch.dir, 'release');
      const skipped = /[\\/](node_modules|\.turbo)$/;
      for (const name of ['package.json', 'package-lock.json', '.changeset', 'packages']) {
        cpSync(path.join(root, name), path.join(copy, name), {
          recursive: true,
          filter: (source) => !skipped.test(source),
        });
      }
      // changeset resolves its changelog generator from the repository's node_modules.
      symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'), 'dir');
      const before = new Map(
        publicPackageDirs().map((dir) => [dir, readManifest(path.join(root, dir)).version]),
      );
      const pending = readdirSync(path.join(root, '.changeset')).filter(
        (name) => name.endsWith('.md') && name !== 'README.md',
      );

      const changeset = path.join(root, 'node_modules', '@changesets', 'cli', 'bin.js');
      const version = await run(process.execPath, [changeset, 'version'], copy, userEnvironment());
      expect(version.code, version.stdout + version.stderr).toBe(0);
      const versions = new Map(
        publicPackageDirs(copy).map((dir) => {
          const manifest = readManifest(path.join(copy, dir));
          return [manifest.name, manifest.version];
        }),
      );
      for (const dir of publicPackageDirs(copy)) {
        const manifest = readManifest(path.join(copy, dir));
        if (pending.length > 0) expect(manifest.version, manifest.name).not.toBe(before.get(dir));
        // Internal dependencies and peers name the versions being released.
        for (const [name, range] of Object.entries({
          ...manifest.dependencies,
          ...manifest.peerDependencies,
        })) {
          if (versions.has(name))
            expect(range.replace(/^[\^~]/, ''), `${manifest.name} → ${name}`).toBe(versions.get(name));
        }
      }
      // The working tree is untouched.
      for (const [dir, previous] of before) expect(readManifest(path.join(root, dir)).version).toBe(previous);
      for (const name of pending) expect(existsSync(path.join(root, '.changeset', name))).toBe(true);

      rmSync(path.join(copy, 'node_modules'));
      const publish = await runWithRetries(
        'npm',
        ['publish', '--dry-run', '--workspaces', '--json'],
        copy,
        userEnvironment(),
      );
      expect(publish.code, publish.stderr).toBe(0);
      // npm corrects a manifest it finds wrong only with a warning: none may be needed.
      expect(publish.stderr).not.toMatch(/auto-corrected|npm pkg fix/);
      const published = JSON.parse(publish.stdout) as Record<
        string,
        { id: string; files: Array<{ path: string }> }
      >;
      expect(Object.keys(published).sort()).toEqual([...versions.keys()].sort());
      for (const dir of publicPackageDirs(copy)) {
        const manifest = readManifest(path.join(copy, dir));
        const entry = published[manifest.name]!;
        expect(entry.id).toBe(`${manifest.name}@${manifest.version}`);
        const files = new Set(entry.files.map((file) => file.path));
        const expected = [
          ...Object.values(manifest.exports ?? {}).flatMap((target) =>
            typeof target === 'string'
              ? [target]
              : [target.types, target.import].filter((file) => file !== undefined),
          ),
          ...Object.values(manifest.bin ?? {}),
        ].map((file) => path.posix.normalize(file));
        for (const file of expected) expect(files.has(file), `${manifest.name}: ${file}`).toBe(true);
      }
    }, 180_000);
  },
);
