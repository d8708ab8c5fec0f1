// Shared by the run benchmarks (`run-overhead`, `run-memory`): a generated repository that
// looks like a real TypeScript monorepo, the instruction the runs get, and the model reply
// (a valid SEARCH/REPLACE edit of one file) the fakes answer with. Not a benchmark itself:
// bench/run.ts only runs `*.bench.ts`.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createSeededRandom } from '@goosuke/core/testing';

// biome-ignore format: a word list reads better packed
const words = [
  'cart', 'invoice', 'order', 'user', 'session', 'payment', 'price', 'report', 'search', 'token',
  'account', 'address', 'product', 'review', 'shipping', 'discount', 'tax', 'currency', 'refund', 'audit',
  'cache', 'queue', 'webhook', 'export', 'import', 'schedule', 'notify', 'profile', 'billing', 'ledger',
];
const packages = [
  'billing',
  'catalog',
  'checkout',
  'accounts',
  'search',
  'shipping',
  'reports',
  'web',
  'api',
  'shared',
];
/** The file the instruction names and the reply edits. */
export const targetFile = 'packages/billing/src/invoice/format-price.ts';
/** The content of {@link targetFile} the reply's SEARCH block matches. */
export const targetContent = [
  "import { currencySymbol } from '../currency/currency-symbol.ts';",
  '',
  '/** Formats an amount in cents for display. */',
  'export function formatPrice(cents: number, currency = "USD"): string {',
  '  return currencySymbol(currency) + cents / 100;',
  '}',
  '',
].join('\n');
/** The instruction of every run. */
export const instruction = `Make formatPrice in ${targetFile} always show two decimals (1999 cents is $19.99, 500 is $5.00).`;
/** A model's answer to {@link instruction}: one SEARCH/REPLACE block on {@link targetFile}. */
export const reply = [
  'formatPrice now always shows two decimals.',
  '',
  targetFile,
  '```ts',
  '<<<<<<< SEARCH',
  '  return currencySymbol(currency) + cents / 100;',
  '=======',
  '  return currencySymbol(currency) + (cents / 100).toFixed(2);',
  '>>>>>>> REPLACE',
  '```',
].join('\n');

const camel = (parts: string[]): string =>
  parts.map((part, index) => (index === 0 ? part : part[0]!.toUpperCase() + part.slice(1))).join('');

/**
 * The repository's files: ten packages of TypeScript sources and tests in nested directories,
 * package manifests, docs and a few binary assets; sizes from a few hundred bytes to ~40 KB
 * (a long tail, median about 2 KB), and some sources call `formatPrice`, so that ranking has
 * identifiers to count.
 */
export function repositoryFiles(count: number): Map<string, Buffer> {
  const next = createSeededRandom(42);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const files = new Map<string, Buffer>();
  files.set(targetFile, Buffer.from(targetContent));
  files.set('README.md', Buffer.from('# shop\n\nA generated monorepo for the run-overhead benchmark.\n'));
  files.set(
    'package.json',
    Buffer.from('{\n  "name": "shop",\n  "private": true,\n  "workspaces": ["packages/*"]\n}\n'),
  );
  for (const name of packages) {
    files.set(
      `packages/${name}/package.json`,
      Buffer.from(`{\n  "name": "@shop/${name}",\n  "type": "module"\n}\n`),
    );
    files.set(`packages/${name}/README.md`, Buffer.from(`# @shop/${name}\n\nThe ${name} package.\n`));
  }
  // About ten files per directory, as in real repositories: eight areas per package, some
  // with a nested directory.
  const areas = new Map(packages.map((name) => [name, Array.from({ length: 8 }, () => pick(words))]));
  const nestedNames = ['internal', 'utils', 'models'];
  let serial = 0;
  while (files.size < count) {
    serial++;
    const kind = next();
    if (kind < 0.01) {
      const bytes = Buffer.alloc(1_000 + Math.floor(next() * 20_000));
      for (let index = 0; index < bytes.length; index++) bytes[index] = Math.floor(next() * 256);
      files.set(`packages/web/public/images/${pick(words)}-${serial}.png`, bytes);
      continue;
    }
    if (kind < 0.05) {
      const paragraphs = 2 + Math.floor(next() ** 2 * 40);
      const text = Array.from(
        { length: paragraphs },
        (_, index) =>
          `## ${pick(words)} ${index}\n\n${Array.from({ length: 40 }, () => pick(words)).join(' ')}.\n`,
      );
      files.set(
        `docs/${pick(nestedNames)}/${pick(words)}-${serial}.md`,
        Buffer.from(`# ${pick(words)}\n\n${text.join('\n')}`),
      );
      continue;
    }
    const pkg = pick(packages);
    const area = pick(areas.get(pkg)!);
    const stem = `${pick(words)}-${pick(words)}-${serial}`;
    const isTest = kind > 0.85;
    const nested = next() < 0.3 ? `/${pick(nestedNames)}` : '';
    const path = isTest
      ? `packages/${pkg}/test/${area}/${stem}.test.ts`
      : `packages/${pkg}/src/${area}${nested}/${stem}.ts`;
    // A long tail: most files hold a few functions, some hold hundreds.
    const functions = 1 + Math.floor(next() ** 3 * 60);
    const lines: string[] = [
      `import { ${camel([pick(words), pick(words)])} } from '../${pick(words)}/${pick(words)}.ts';`,
      next() < 0.05 ? "import { formatPrice } from '@shop/billing';" : '',
      '',
    ];
    for (let index = 0; index < functions; index++) {
      const name = camel([pick(words), pick(words), String(index)]);
      lines.push(
        `/** ${Array.from({ length: 6 }, () => pick(words)).join(' ')}. */`,
        `export function ${name}(${pick(words)}: number, ${pick(words)}Id: string): number {`,
        `  const ${pick(words)}Total = ${Math.floor(next() * 1000)} * ${pick(words).length};`,
        next() < 0.02 ? '  console.log(formatPrice(total));' : `  // ${pick(words)} ${pick(words)}`,
        `  return ${pick(words)}Total + Number(${pick(words)}Id.length);`,
        '}',
        '',
      );
    }
    files.set(path, Buffer.from(lines.join('\n')));
  }
  return files;
}

/** One commit of `files` on `main`, streamed into `git fast-import` (a packed repository, as a real clone's). */
export async function createRepository(target: string, files: Map<string, Buffer>): Promise<void> {
  const run = (args: string[], input?: Buffer) =>
    new Promise<void>((resolve, reject) => {
      const child = spawn('git', args, {
        cwd: target,
        env: { ...process.env, GIT_CONFIG_NOSYSTEM: '1', GIT_CONFIG_GLOBAL: '/dev/null' },
        stdio: [input === undefined ? 'ignore' : 'pipe', 'ignore', 'inherit'],
      });
      child.stdin?.end(input);
      child.on('error', reject);
      child.on('close', (code) =>
        code === 0 ? resolve() : reject(new Error(`git ${args[0]} exited ${code}`)),
      );
    });
  mkdirSync(target, { recursive: true });
  await run(['init', '-q', '-b', 'main']);
  const message = 'generated\n';
  const chunks: Buffer[] = [
    Buffer.from(
      `commit refs/heads/main\ncommitter Bench <bench@example.test> 1767225600 +0000\ndata ${Buffer.byteLength(message)}\n${message}`,
    ),
  ];
  for (const [path, content] of files) {
    chunks.push(Buffer.from(`M 100644 inline ${path}\ndata ${content.length}\n`), content, Buffer.from('\n'));
  }
  await run(['fast-import', '--quiet'], Buffer.concat(chunks));
}

/** The text the patch of a run that applied {@link reply} contains. */
export const expectedChange = '(cents / 100).toFixed(2)';

/** The median of `values` (not empty). */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
