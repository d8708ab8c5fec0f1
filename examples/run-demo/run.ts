// The README's main job: `goosuke run` on a small example project, on several models at once.
//
// With provider keys in the environment (OPENAI_API_KEY, ANTHROPIC_API_KEY, GEMINI_API_KEY) it
// runs the real models. Without any, it starts two local stand-ins on 127.0.0.1 that speak the
// OpenAI and Anthropic APIs and answer with a fixed edit, so that the whole pipeline (working
// copies, the edit agent, commits, the comparison) can be seen on a fresh machine, offline.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fakeAnthropicText, startFakeAnthropicServer } from '@goosuke/anthropic/testing';
import { startFakeOpenAIServer } from '@goosuke/openai/testing';

const here = dirname(fileURLToPath(import.meta.url));
const bin = join(here, '..', '..', 'packages', 'cli', 'bin', 'goosuke.js');
const instruction = 'Make slugify fold accents, so that "Crème brûlée" becomes creme-brulee.';
const work = mkdtempSync(join(tmpdir(), 'goosuke-demo-'));
// The patches outlive the demo (the rest of `work` is thrown away): they are what it printed.
const patchesDir = mkdtempSync(join(tmpdir(), 'goosuke-demo-patches-'));

/** What a stand-in answers: a short summary and one edit in the format its model prefers. */
const standInEdits = {
  applyPatch: [
    'slugify now strips accents after NFKD normalization.',
    '',
    '*** Begin Patch',
    '*** Update File: src/slugify.ts',
    '@@',
    '   return title',
    "+    .normalize('NFKD')",
    "+    .replace(/[\\u0300-\\u036f]/g, '')",
    '     .toLowerCase()',
    '*** End Patch',
  ].join('\n'),
  searchReplace: [
    'Accents are folded before the slug is built.',
    '',
    'src/slugify.ts',
    '```ts',
    '<<<<<<< SEARCH',
    '  return title',
    '    .toLowerCase()',
    '=======',
    '  return title',
    "    .normalize('NFD')",
    "    .replace(/\\p{Diacritic}/gu, '')",
    '    .toLowerCase()',
    '>>>>>>> REPLACE',
    '```',
  ].join('\n'),
};

function git(...args: string[]): void {
  execFileSync('git', args, {
    cwd: join(work, 'project'),
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: 'Demo',
      GIT_AUTHOR_EMAIL: 'demo@example.test',
      GIT_COMMITTER_NAME: 'Demo',
      GIT_COMMITTER_EMAIL: 'demo@example.test',
    },
  });
}

// The demo reads the provider keys a user may have set; nothing else of the environment matters.
const environment: Readonly<Record<string, string | undefined>> = process.env;
const env: Record<string, string | undefined> = {
  ...environment,
  GOOSUKE_DATA_DIR: join(work, 'data'),
  // A real deployment keeps one secret key; the demo's data is thrown away, so any strong one will do.
  GOOSUKE_SECRET_KEY: environment.GOOSUKE_SECRET_KEY ?? randomBytes(32).toString('base64url'),
};
const models: string[] = [];
if (environment.OPENAI_API_KEY) models.push('openai:gpt-4.1');
if (environment.ANTHROPIC_API_KEY) models.push('anthropic:claude-sonnet-4-6');
if (environment.GEMINI_API_KEY || environment.GOOGLE_API_KEY) models.push('google:gemini-2.5-flash');

const closers: Array<() => Promise<void>> = [];
try {
  cpSync(join(here, '..', 'patch-apply', 'project'), join(work, 'project'), { recursive: true });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'Example project');

  if (models.length === 0) {
    console.log(
      'No provider keys in the environment: using two local stand-in models that answer with a fixed edit.',
    );
    console.log('Set OPENAI_API_KEY, ANTHROPIC_API_KEY or GEMINI_API_KEY to run real models.\n');
    const openai = await startFakeOpenAIServer({ apiKey: 'demo-key' });
    const anthropic = await startFakeAnthropicServer({ apiKey: 'demo-key' });
    closers.push(
      () => openai.close(),
      () => anthropic.close(),
    );
    openai.respond({ kind: 'reply', text: standInEdits.applyPatch, delayMs: 400 });
    anthropic.respond(fakeAnthropicText(standInEdits.searchReplace));
    Object.assign(env, {
      OPENAI_API_KEY: 'demo-key',
      OPENAI_BASE_URL: openai.url,
      ANTHROPIC_API_KEY: 'demo-key',
      ANTHROPIC_BASE_URL: anthropic.url,
    });
    models.push('openai:gpt-4.1', 'anthropic:claude-sonnet-4-6');
  }

  const args = [
    'run',
    '--repo',
    join(work, 'project'),
    ...models.flatMap((model) => ['--model', model]),
    '-m',
    instruction,
    '--out',
    patchesDir,
  ];
  console.log(`$ goosuke ${args.map((arg) => (/\s/.test(arg) ? JSON.stringify(arg) : arg)).join(' ')}\n`);
  // The stand-ins live in this process, so goosuke runs as a child that we wait for without blocking.
  const status = await new Promise<number>((resolve) => {
    spawn(process.execPath, [bin, ...args], { stdio: 'inherit', env }).on('exit', (code) =>
      resolve(code ?? 1),
    );
  });
  const patches = readdirSync(patchesDir, { withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => entry.name)
    .sort();
  // Every model's diff, not only the first: comparing them is the point of running several.
  for (const name of patches) {
    console.log(`\n${join(patchesDir, name)}:\n`);
    console.log(readFileSync(join(patchesDir, name), 'utf8'));
  }
  if (patches.length > 0) {
    // They apply to the example project the demo copied; --check writes nothing.
    const project = join('examples', 'patch-apply', 'project');
    console.log(`The patches stay in ${patchesDir}. Check that one applies to ${project}:`);
    console.log(`  npx goosuke patch apply --check --dir ${project} ${join(patchesDir, patches[0]!)}`);
  } else {
    rmSync(patchesDir, { recursive: true, force: true });
  }
  process.exitCode = status;
} finally {
  for (const close of closers) await close();
  rmSync(work, { recursive: true, force: true });
}
