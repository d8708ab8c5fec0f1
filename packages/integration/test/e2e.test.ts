// The proof, end to end: a real git repository, Goosuke on its default composition
// (SQLite file, durable queue, isomorphic-git, the three real provider SDKs) and three models
// on the providers' loopback fakes, one of which first sends an edit that does not apply.
// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the fixtures are TypeScript source held as text; their `${…}` belong to that source.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type FakeAnthropicServer,
  fakeAnthropicText,
  startFakeAnthropicServer,
} from '@goosuke/anthropic/testing';
import { createDefaultGoosuke, type DefaultGoosuke, readDefaultGoosukeConfig } from '@goosuke/cli';
import type { ModelProfile, Run, RunEvent, RunWorkers } from '@goosuke/core';
import { type FakeGoogleServer, startFakeGoogleServer } from '@goosuke/google/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { git, makeRepository, showFile, temporaryDirectory } from './support.ts';

const keys = {
  openai: 'sk-e2e-openai-3f9c2a7b51d84e06',
  anthropic: 'sk-ant-e2e-9d41c7e0b2a35f68',
  google: 'AIza-e2e-google-6b0e8f2d19c4a7',
};
const secretKey = 'e2e-master-secret-7c1f9a3e5b2d8046a1c3e5f7';
/** Each fake waits this long before answering, so that the three runs are surely running at once. */
const delayMs = 300;

const line = (...lines: string[]) => `${lines.join('\n')}\n`;

const signature = 'export function addItem(cart: Cart, item: CartItem): Cart {';
const cart = line(
  "import { type Cents, formatPrice, sum } from './money.ts';",
  '',
  '/** One line of a cart: a product and how many of it. */',
  'export interface CartItem {',
  '  sku: string;',
  '  unitPrice: Cents;',
  '  quantity: number;',
  '}',
  '',
  '/** A shopping cart. Carts are values: every operation returns a new cart. */',
  'export interface Cart {',
  '  items: readonly CartItem[];',
  '}',
  '',
  'export function emptyCart(): Cart {',
  '  return { items: [] };',
  '}',
  '',
  '/** Adds an item, merging it with the line of the same SKU. */',
  signature,
  '  const existing = cart.items.find((line) => line.sku === item.sku);',
  '  if (existing === undefined) return { items: [...cart.items, item] };',
  '  return {',
  '    items: cart.items.map((line) =>',
  '      line.sku === item.sku ? { ...line, quantity: line.quantity + item.quantity } : line,',
  '    ),',
  '  };',
  '}',
  '',
  '/** The total of the cart. */',
  'export function total(cart: Cart): Cents {',
  '  return sum(cart.items.map((line) => line.unitPrice * line.quantity));',
  '}',
  '',
  '/** A receipt: one row per line, then the total. */',
  'export function receipt(cart: Cart): string {',
  '  const rows = cart.items.map(',
  '    (line) => `${line.quantity} x ${line.sku}  ${formatPrice(line.unitPrice * line.quantity)}`,',
  '  );',
  "  return [...rows, `Total  ${formatPrice(total(cart))}`].join('\\n');",
  '}',
);
const signatureLine = cart.split('\n').indexOf(signature) + 1;

const project: Record<string, string> = {
  'package.json': `${JSON.stringify({ name: 'tea-shop', version: '1.0.0', private: true, type: 'module', scripts: { test: 'node --test' } }, null, 2)}\n`,
  'tsconfig.json': `${JSON.stringify({ compilerOptions: { strict: true, module: 'nodenext', noEmit: true, allowImportingTsExtensions: true } }, null, 2)}\n`,
  'README.md': line('# tea-shop', '', 'The cart and the prices of a small online tea shop.'),
  '.gitignore': line('node_modules/', 'dist/'),
  'src/money.ts': line(
    '/** An amount of money in cents. */',
    'export type Cents = number;',
    '',
    '/** Formats cents as dollars, e.g. 1234 -> "$12.34". */',
    'export function formatPrice(cents: Cents): string {',
    '  const dollars = Math.floor(cents / 100);',
    "  return `$${dollars}.${String(cents % 100).padStart(2, '0')}`;",
    '}',
    '',
    'export function sum(amounts: readonly Cents[]): Cents {',
    '  return amounts.reduce((total, amount) => total + amount, 0);',
    '}',
  ),
  'src/cart.ts': cart,
  'src/index.ts': line("export * from './cart.ts';", "export * from './money.ts';"),
  'test/money.test.ts': line(
    "import assert from 'node:assert/strict';",
    "import { test } from 'node:test';",
    "import { formatPrice } from '../src/money.ts';",
    '',
    "test('formatPrice pads the cents', () => {",
    "  assert.equal(formatPrice(1205), '$12.05');",
    '});',
  ),
};

const instruction =
  'Make addItem reject quantities that are not positive whole numbers, with a RangeError that names the SKU.';
const followUp = 'Also refuse more than 99 of one item in a single addItem call.';

// gpt-4.1 writes an apply_patch envelope: a guard in addItem and a new test.
const openaiGuard = line(
  '  if (!Number.isInteger(item.quantity) || item.quantity <= 0) {',
  '    throw new RangeError(`${item.sku}: the quantity must be a positive whole number`);',
  '  }',
);
const openaiTest = line(
  "import assert from 'node:assert/strict';",
  "import { test } from 'node:test';",
  "import { addItem, emptyCart } from '../src/cart.ts';",
  '',
  "test('addItem refuses a quantity that is not a positive whole number', () => {",
  "  assert.throws(() => addItem(emptyCart(), { sku: 'tea', unitPrice: 450, quantity: 0 }), RangeError);",
  '});',
);
const openaiReply = [
  'addItem now refuses a quantity that is not a positive whole number with a RangeError naming the SKU, and a test covers it.',
  '',
  '*** Begin Patch',
  '*** Update File: src/cart.ts',
  '@@',
  ` ${signature}`,
  ...openaiGuard
    .trimEnd()
    .split('\n')
    .map((text) => `+${text}`),
  '   const existing = cart.items.find((line) => line.sku === item.sku);',
  '   if (existing === undefined) return { items: [...cart.items, item] };',
  '*** Add File: test/cart.test.ts',
  ...openaiTest
    .trimEnd()
    .split('\n')
    .map((text) => `+${text}`),
  '*** End Patch',
].join('\n');

// Claude writes SEARCH/REPLACE blocks. Its first reply searches for an addItem that never
// existed (a stale signature), so nothing applies and the agent asks again.
const damagedReply = [
  'addItem now validates the quantity before merging lines.',
  '',
  'src/cart.ts',
  '```ts',
  '<<<<<<< SEARCH',
  'export function addItem(cart: Cart, sku: string, count: number, price?: Cents): Cart {',
  '  const current = cart.items.filter((entry) => entry.sku === sku)[0];',
  '=======',
  'export function addItem(cart: Cart, sku: string, count: number, price?: Cents): Cart {',
  '  if (count <= 0) throw new RangeError(`${sku}: count must be positive`);',
  '  const current = cart.items.filter((entry) => entry.sku === sku)[0];',
  '>>>>>>> REPLACE',
  '```',
].join('\n');
const claudeGuardCondition = '  if (!Number.isInteger(item.quantity) || item.quantity < 1) {';
const claudeGuard = line(
  claudeGuardCondition,
  '    throw new RangeError(`cannot add ${item.quantity} of ${item.sku}: quantities are positive whole numbers`);',
  '  }',
);
const claudeSummary =
  'addItem now throws a RangeError naming the SKU when the quantity is not a positive whole number; nothing else changes.';
const claudeReply = [
  claudeSummary,
  '',
  'src/cart.ts',
  '```ts',
  '<<<<<<< SEARCH',
  signature,
  '  const existing = cart.items.find((line) => line.sku === item.sku);',
  '=======',
  signature,
  ...claudeGuard.trimEnd().split('\n'),
  '  const existing = cart.items.find((line) => line.sku === item.sku);',
  '>>>>>>> REPLACE',
  '```',
].join('\n');
const claudeLimit = '  if (!Number.isInteger(item.quantity) || item.quantity < 1 || item.quantity > 99) {';
const claudeFollowUpReply = [
  'The guard in addItem now also refuses more than 99 of one item.',
  '',
  'src/cart.ts',
  '```ts',
  '<<<<<<< SEARCH',
  claudeGuardCondition,
  '=======',
  claudeLimit,
  '>>>>>>> REPLACE',
  '```',
].join('\n');

// Gemini writes SEARCH/REPLACE blocks too: a helper module, two edits of cart.ts and a test.
const quantityModule = line(
  '/** Throws a RangeError unless `quantity` is a positive whole number. */',
  'export function assertQuantity(sku: string, quantity: number): void {',
  '  if (!Number.isInteger(quantity) || quantity < 1) {',
  '    throw new RangeError(`${sku}: ${quantity} is not a positive whole quantity`);',
  '  }',
  '}',
);
const geminiTest = line(
  "import assert from 'node:assert/strict';",
  "import { test } from 'node:test';",
  "import { addItem, emptyCart } from '../src/cart.ts';",
  '',
  "test('addItem refuses a zero quantity', () => {",
  "  assert.throws(() => addItem(emptyCart(), { sku: 'cup', unitPrice: 900, quantity: 0 }), /cup/);",
  '});',
);
const importLine = "import { type Cents, formatPrice, sum } from './money.ts';";
const geminiReply = [
  'A small `assertQuantity` helper in src/quantity.ts checks the quantity; addItem calls it first, and a test covers it.',
  '',
  'src/quantity.ts',
  '```ts',
  '<<<<<<< SEARCH',
  '=======',
  ...quantityModule.trimEnd().split('\n'),
  '>>>>>>> REPLACE',
  '```',
  '',
  'src/cart.ts',
  '```ts',
  '<<<<<<< SEARCH',
  importLine,
  '=======',
  importLine,
  "import { assertQuantity } from './quantity.ts';",
  '>>>>>>> REPLACE',
  '```',
  '',
  'src/cart.ts',
  '```ts',
  '<<<<<<< SEARCH',
  signature,
  '=======',
  signature,
  '  assertQuantity(item.sku, item.quantity);',
  '>>>>>>> REPLACE',
  '```',
  '',
  'test/cart.test.ts',
  '```ts',
  '<<<<<<< SEARCH',
  '=======',
  ...geminiTest.trimEnd().split('\n'),
  '>>>>>>> REPLACE',
  '```',
].join('\n');

/** Lines a unified diff adds and removes, per file, counted from the patch text itself. */
function countPatch(patch: string): Record<string, { added: number; removed: number }> {
  const files: Record<string, { added: number; removed: number }> = {};
  let current: { added: number; removed: number } | null = null;
  for (const text of patch.split('\n')) {
    const header = /^diff --git a\/(\S+) b\/(\S+)$/.exec(text);
    if (header !== null) {
      current = { added: 0, removed: 0 };
      files[header[2]!] = current;
    } else if (current !== null && text.startsWith('+') && !text.startsWith('+++ ')) current.added++;
    else if (current !== null && text.startsWith('-') && !text.startsWith('--- ')) current.removed++;
  }
  return files;
}

const requestText = (body: unknown) => JSON.stringify(body);

describe('end to end: one instruction on three providers through the default composition', () => {
  let scratch: { dir: string; cleanup: () => Promise<void> } | undefined;
  let openai: FakeOpenAIServer | undefined;
  let anthropic: FakeAnthropicServer | undefined;
  let google: FakeGoogleServer | undefined;
  let goosuke: DefaultGoosuke | undefined;
  let workers: RunWorkers | undefined;
  const live: RunEvent[] = [];
  // Filled by beforeAll: the scenario runs once, each test below checks one aspect of it.
  const state = {} as {
    source: string;
    dataDir: string;
    clone: string;
    headBefore: string;
    taskId: string;
    messageId: string;
    profiles: { gpt: ModelProfile; claude: ModelProfile; gemini: ModelProfile };
    runs: { gpt: Run; claude: Run; gemini: Run };
    fakes: { openai: FakeOpenAIServer; anthropic: FakeAnthropicServer; google: FakeGoogleServer };
    goosuke: DefaultGoosuke;
  };

  beforeAll(async () => {
    scratch = await temporaryDirectory('goosuke-e2e-');
    const source = path.join(scratch.dir, 'tea-shop');
    const dataDir = path.join(scratch.dir, 'data');
    const headBefore = await makeRepository(source, project);
    openai = await startFakeOpenAIServer({ apiKey: keys.openai });
    anthropic = await startFakeAnthropicServer({ apiKey: keys.anthropic });
    google = await startFakeGoogleServer({ apiKey: keys.google });
    // As the CLI does it: configuration from the environment; provider keys and base URLs from
    // the ecosystem's variables for profiles that store none.
    const config = readDefaultGoosukeConfig(
      { GOOSUKE_SECRET_KEY: secretKey, GOOSUKE_DATA_DIR: dataDir },
      scratch.dir,
    );
    goosuke = await createDefaultGoosuke(config, {
      env: {
        OPENAI_BASE_URL: openai.url,
        ANTHROPIC_API_KEY: keys.anthropic,
        ANTHROPIC_BASE_URL: anthropic.url,
      },
    });
    goosuke.runs.subscribe((event) => live.push(event));

    // gpt-4.1: key stored (encrypted), base URL from OPENAI_BASE_URL. Claude: key and base URL
    // from the environment. Gemini: key and base URL stored on the profile.
    const gpt = await goosuke.models.create({
      provider: 'openai',
      modelName: 'gpt-4.1',
      apiKey: keys.openai,
    });
    const claude = await goosuke.models.create({ provider: 'anthropic', modelName: 'claude-sonnet-4-5' });
    const gemini = await goosuke.models.create({
      provider: 'google',
      modelName: 'gemini-2.5-pro',
      apiKey: keys.google,
      baseUrl: google.url,
    });

    openai.respond({
      kind: 'reply',
      text: openaiReply,
      delayMs,
      usage: { promptTokens: 1200, completionTokens: 300, cachedTokens: 200 },
    });
    anthropic.respond(
      fakeAnthropicText(damagedReply, { delayMs, usage: { inputTokens: 1000, outputTokens: 200 } }),
      fakeAnthropicText(claudeReply, { delayMs, usage: { inputTokens: 1400, outputTokens: 250 } }),
    );
    google.respond({
      kind: 'reply',
      text: geminiReply,
      delayMs,
      usage: { promptTokenCount: 800, candidatesTokenCount: 400 },
    });

    const repo = await goosuke.repos.create({ url: source });
    const { task } = await goosuke.tasks.create({ title: 'Validate cart quantities', repoId: repo.id });
    const { message, runs: queued } = await goosuke.runs.create(task.id, {
      instruction,
      models: [gpt.id, claude.id, gemini.id],
    });
    workers = goosuke.runs.startWorkers({ concurrency: 3 });
    const [gptRun, claudeRun, geminiRun] = (await goosuke.runs.waitFor(queued.map((run) => run.id))) as [
      Run,
      Run,
      Run,
    ];
    Object.assign(state, {
      source,
      dataDir,
      // Where the default composition keeps a repository's clone.
      clone: path.join(dataDir, 'clones', repo.id),
      headBefore,
      taskId: task.id,
      messageId: message.id,
      profiles: { gpt, claude, gemini },
      runs: { gpt: gptRun, claude: claudeRun, gemini: geminiRun },
      fakes: { openai, anthropic, google },
      goosuke,
    });
  });

  afterAll(async () => {
    await workers?.stop();
    await goosuke?.close();
    await Promise.all([openai?.close(), anthropic?.close(), google?.close()]);
    await scratch?.cleanup();
  });

  const allRuns = () => [state.runs.gpt, state.runs.claude, state.runs.gemini];
  const withAfterSignature = (text: string) => cart.replace(`${signature}\n`, `${signature}\n${text}`);

  it('runs every model to success, each asked for the edit format it writes best', () => {
    const { openai, anthropic, google } = state.fakes;
    expect(allRuns().map((run) => [run.status, run.error])).toEqual([
      ['succeeded', null],
      ['succeeded', null],
      ['succeeded', null],
    ]);
    expect([
      state.profiles.gpt.hasApiKey,
      state.profiles.claude.hasApiKey,
      state.profiles.gemini.hasApiKey,
    ]).toEqual([true, false, true]);
    expect([openai.pending(), anthropic.pending(), google.pending()]).toEqual([0, 0, 0]);
    expect(openai.requests).toHaveLength(1);
    const gptMessages = openai.requests[0]!.body!.messages as Array<{ role: string; content: string }>;
    expect(gptMessages[0]).toMatchObject({ role: 'system' });
    expect(gptMessages[0]!.content).toContain('Edit format: an apply_patch envelope.');
    expect(requestText(gptMessages.at(-1))).toContain(instruction);
    expect(anthropic.requests).toHaveLength(2);
    expect(requestText(anthropic.requests[0]!.body!.system)).toContain('Edit format: SEARCH/REPLACE blocks.');
    expect(google.requests).toHaveLength(1);
    expect(requestText(google.requests[0]!.body!.systemInstruction)).toContain(
      'Edit format: SEARCH/REPLACE blocks.',
    );
    // Every model is shown the file it has to change.
    for (const body of [openai.requests[0]!.body, anthropic.requests[0]!.body, google.requests[0]!.body]) {
      expect(requestText(body)).toContain(signature);
    }
  });

  it('reports the damaged edit back with the closest region of the file, and applies the second answer', async () => {
    const retry = state.fakes.anthropic.requests[1]!.body!.messages!;
    expect(retry.map((entry) => entry.role)).toEqual(['user', 'assistant', 'user']);
    expect(requestText(retry[1])).toContain('count must be positive');
    const report = requestText(retry[2]);
    expect(report).toContain('Your edits could not be applied, so none of them was applied');
    expect(report).toContain('src/cart.ts, hunk 1: not-found');
    expect(report).toContain(`Closest region in the file (lines ${signatureLine}-${signatureLine + 1}`);
    expect(report).toContain(`${signatureLine} | ${signature}`);
    const events = await state.goosuke.runs.events(state.runs.claude.id);
    const tokens = events.flatMap((event, index) => (event.type === 'run-tokens' ? [index] : []));
    const failed = events.findIndex(
      (event) =>
        event.type === 'run-log' && event.level === 'warn' && event.message.startsWith('attempt 1/3 failed'),
    );
    expect(tokens).toHaveLength(2);
    expect(failed).toBeGreaterThan(tokens[0]!);
    expect(failed).toBeLessThan(tokens[1]!);
  });

  it('executes the runs in parallel: every run started before any of them ended', async () => {
    const intervals = await Promise.all(
      allRuns().map(async (run) => {
        const events = await state.goosuke.runs.events(run.id);
        return {
          started: Date.parse(events.find((event) => event.type === 'run-started')!.createdAt),
          ended: Date.parse(events.find((event) => event.type === 'run-succeeded')!.createdAt),
        };
      }),
    );
    expect(Math.max(...intervals.map((entry) => entry.started))).toBeLessThan(
      Math.min(...intervals.map((entry) => entry.ended)),
    );
  });

  it('commits each result on goosuke/run-<id> of the clone and leaves the upstream repository untouched', async () => {
    const { clone, runs } = state;
    const show = (run: Run, file: string) => showFile(clone, `goosuke/run-${run.id}`, file);
    expect(runs.gpt.workingBranch).toBe(`goosuke/run-${runs.gpt.id}`);
    expect(await show(runs.gpt, 'src/cart.ts')).toBe(withAfterSignature(openaiGuard));
    expect(await show(runs.gpt, 'test/cart.test.ts')).toBe(openaiTest);
    expect(await show(runs.claude, 'src/cart.ts')).toBe(withAfterSignature(claudeGuard));
    expect(await show(runs.gemini, 'src/quantity.ts')).toBe(quantityModule);
    expect(await show(runs.gemini, 'src/cart.ts')).toBe(
      withAfterSignature('  assertQuantity(item.sku, item.quantity);\n').replace(
        `${importLine}\n`,
        `${importLine}\nimport { assertQuantity } from './quantity.ts';\n`,
      ),
    );
    expect(await show(runs.gemini, 'test/cart.test.ts')).toBe(geminiTest);
    for (const run of allRuns()) {
      // One commit on the base, and the rest of the project as it was.
      expect(run.workingBranch).toBe(`goosuke/run-${run.id}`);
      expect((await git(clone, 'rev-parse', `goosuke/run-${run.id}~1`)).trim()).toBe(state.headBefore);
      expect(await show(run, 'src/money.ts')).toBe(project['src/money.ts']);
    }
    expect(await git(state.source, 'branch', '--list')).toBe('* main\n');
    expect((await git(state.source, 'rev-parse', 'HEAD')).trim()).toBe(state.headBefore);
    expect(await git(state.source, 'status', '--porcelain')).toBe('');
  });

  it('records each run as ordered events, tokens after every model call, and delivers the same events live', async () => {
    for (const run of allRuns()) {
      const events = await state.goosuke.runs.events(run.id);
      expect(events.map((event) => event.sequence)).toEqual(events.map((_, index) => index + 1));
      expect(events.map((event) => event.type).filter((type) => type !== 'run-log')).toEqual(
        run.id === state.runs.claude.id
          ? ['run-queued', 'run-started', 'run-tokens', 'run-tokens', 'run-succeeded']
          : ['run-queued', 'run-started', 'run-tokens', 'run-succeeded'],
      );
      expect(events.at(-1)).toMatchObject({
        type: 'run-succeeded',
        data: {
          filesChanged: run.filesChanged.length,
          added: run.filesChanged.reduce((sum, file) => sum + file.added, 0),
        },
      });
      expect(live.filter((event) => event.runId === run.id)).toEqual(events);
    }
  });

  it('compares the runs: files and lines as the patches say, shared files, usage priced per model', async () => {
    const { runs } = state;
    expect(runs.gpt.filesChanged).toEqual([
      { path: 'src/cart.ts', oldPath: null, status: 'modified', added: 3, removed: 0 },
      { path: 'test/cart.test.ts', oldPath: null, status: 'added', added: 7, removed: 0 },
    ]);
    for (const run of allRuns()) {
      expect(
        Object.fromEntries(
          run.filesChanged.map((file) => [file.path, { added: file.added, removed: file.removed }]),
        ),
      ).toEqual(countPatch(run.patch!));
    }
    const comparison = await state.goosuke.runs.compare(state.messageId);
    expect(comparison.taskId).toBe(state.taskId);
    expect(
      comparison.runs.map((entry) => [
        entry.runId,
        entry.model?.modelName,
        entry.status,
        entry.filesChanged,
        entry.added,
        entry.removed,
        entry.paths,
      ]),
    ).toEqual([
      [runs.gpt.id, 'gpt-4.1', 'succeeded', 2, 10, 0, ['src/cart.ts', 'test/cart.test.ts']],
      [runs.claude.id, 'claude-sonnet-4-5', 'succeeded', 1, 3, 0, ['src/cart.ts']],
      [
        runs.gemini.id,
        'gemini-2.5-pro',
        'succeeded',
        3,
        15,
        0,
        ['src/cart.ts', 'src/quantity.ts', 'test/cart.test.ts'],
      ],
    ]);
    expect(comparison.sharedFiles).toEqual([
      { runIds: [runs.gpt.id, runs.claude.id], paths: ['src/cart.ts'] },
      { runIds: [runs.gpt.id, runs.gemini.id], paths: ['src/cart.ts', 'test/cart.test.ts'] },
      { runIds: [runs.claude.id, runs.gemini.id], paths: ['src/cart.ts'] },
    ]);
    expect(comparison.runs.every((entry) => entry.durationMs !== null && entry.error === null)).toBe(true);
    // Claude's first edit did not apply: a second model call.
    expect(comparison.runs.map((entry) => entry.modelCalls)).toEqual([1, 2, 1]);
    // gpt-4.1 at $2 (cached $0.50) / $8 per million: 1,000 + 200 cached input, 300 output tokens.
    expect(comparison.runs[0]!.usage).toEqual({
      inputTokens: 1200,
      outputTokens: 300,
      cachedInputTokens: 200,
      costUsd: 0.0045,
    });
    // Claude's two calls add up, at $3 / $15 per million.
    expect(comparison.runs[1]!.usage).toEqual({
      inputTokens: 2400,
      outputTokens: 450,
      cachedInputTokens: 0,
      costUsd: 0.01395,
    });
    // Gemini 2.5 Pro at $1.25 / $10 per million.
    expect(comparison.runs[2]!.usage).toEqual({
      inputTokens: 800,
      outputTokens: 400,
      cachedInputTokens: 0,
      costUsd: 0.005,
    });
    expect(await state.goosuke.runs.taskUsage(state.taskId)).toEqual({
      inputTokens: 4400,
      outputTokens: 1150,
      cachedInputTokens: 200,
      costUsd: 0.02345,
      runs: 3,
      unpricedRuns: 0,
    });
  });

  it('follows up on one run: the model sees the conversation, the working copy holds the earlier change', async () => {
    const { anthropic } = state.fakes;
    const earlier = state.runs.claude;
    anthropic.respond(
      fakeAnthropicText(claudeFollowUpReply, { usage: { inputTokens: 1500, outputTokens: 80 } }),
    );
    const {
      runs: [queued],
    } = await state.goosuke.runs.create(state.taskId, {
      instruction: followUp,
      models: [state.profiles.claude.id],
      fromRun: earlier.id,
    });
    const [run] = await state.goosuke.runs.waitFor([queued!.id]);
    expect([run!.status, run!.error]).toEqual(['succeeded', null]);
    expect(run!.baseRef).toBe(`goosuke/run-${earlier.id}`);

    expect(earlier.summary).toBe(claudeSummary);
    const conversation = anthropic.requests[2]!.body!.messages!;
    expect(conversation.map((entry) => entry.role)).toEqual(['user', 'assistant', 'user']);
    expect(requestText(conversation[0])).toContain(instruction);
    expect(requestText(conversation[1])).toContain(claudeSummary);
    expect(requestText(conversation[2])).toContain(followUp);
    // The files shown are the earlier run's result: its guard is in them.
    expect(requestText(conversation[2])).toContain(claudeGuardCondition);

    expect(run!.filesChanged).toEqual([
      { path: 'src/cart.ts', oldPath: null, status: 'modified', added: 1, removed: 1 },
    ]);
    expect(run!.patch).toContain(`-${claudeGuardCondition}\n+${claudeLimit}\n`);
    expect(await showFile(state.clone, `goosuke/run-${run!.id}`, 'src/cart.ts')).toBe(
      withAfterSignature(claudeGuard.replace(claudeGuardCondition, claudeLimit)),
    );
    expect((await git(state.clone, 'rev-parse', `goosuke/run-${run!.id}~1`)).trim()).toBe(
      (await git(state.clone, 'rev-parse', `goosuke/run-${earlier.id}`)).trim(),
    );
  });

  it('never stores a key in the clear: not in runs, events, messages, profiles nor the database file', async () => {
    const { goosuke } = state;
    const runs = (await goosuke.runs.list({ taskId: state.taskId })).items;
    expect(runs.length).toBeGreaterThanOrEqual(3);
    const everything = JSON.stringify({
      runs,
      events: await Promise.all(runs.map((run) => goosuke.runs.events(run.id))),
      messages: await goosuke.tasks.listMessages(state.taskId),
      profiles: await goosuke.models.list(),
    });
    // Encrypted keys are in the database; their plain text is not (WAL included).
    const database = (
      await Promise.all(
        ['goosuke.db', 'goosuke.db-wal'].map((file) =>
          readFile(path.join(state.dataDir, file)).then(
            (bytes) => bytes.toString('latin1'),
            () => '',
          ),
        ),
      )
    ).join('');
    expect(database).toContain('tea-shop');
    for (const key of Object.values(keys)) {
      expect(everything).not.toContain(key);
      expect(database).not.toContain(key);
    }
  });
});
