import { describe, expect, it } from 'vitest';
import { defaultForbiddenPaths } from '../../edits/index.ts';
import { createMemoryWorkspace } from '../../testing/index.ts';
import { createContextCache } from './context-cache.ts';
import { isBinaryPath, isLowPriorityPath, looksBinary } from './file-kinds.ts';
import { buildFileTree } from './file-tree.ts';
import { gatherContext } from './gather-context.ts';
import { extractQueryTerms, splitWords } from './query-terms.ts';
import { type ContextCandidate, rankFiles } from './rank-files.ts';
import { selectContext } from './select-context.ts';
import { countIdentifiers } from './term-counts.ts';
import { estimateTokens, fileTokens } from './token-estimate.ts';

const instruction = (text: string) => [{ text, weight: 1 }];

describe('estimateTokens', () => {
  it('counts a token per four characters, rounded up', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcd')).toBe(1);
    expect(estimateTokens('abcde')).toBe(2);
    expect(estimateTokens('x'.repeat(4_001))).toBe(1_001);
  });
});

describe('file classification', () => {
  it('knows binary extensions, NUL bytes and low-priority generated files', () => {
    expect(isBinaryPath('assets/logo.PNG')).toBe(true);
    expect(isBinaryPath('lib/native.so')).toBe(true);
    expect(isBinaryPath('fonts/a.woff2')).toBe(true);
    expect(isBinaryPath('docs/manual.pdf')).toBe(true);
    expect(isBinaryPath('src/png.ts')).toBe(false);
    expect(isBinaryPath('.png')).toBe(false);
    expect(looksBinary('abc\0def')).toBe(true);
    expect(looksBinary(`${'a'.repeat(8_000)}\0`)).toBe(false);
    expect(looksBinary('plain text')).toBe(false);
    expect(isLowPriorityPath('package-lock.json')).toBe(true);
    expect(isLowPriorityPath('web/yarn.lock')).toBe(true);
    expect(isLowPriorityPath('dist/app.min.js')).toBe(true);
    expect(isLowPriorityPath('src/lock.ts')).toBe(false);
  });
});

describe('extractQueryTerms', () => {
  it('reads identifiers, quoted strings, paths and words', () => {
    const terms = extractQueryTerms(
      instruction(
        'Make `formatPrice` accept a currency. The CartService should call it, and user_id in the add-item handler ' +
          'must show "Out of stock" when empty; see src/cart.ts, and the Cart class.',
      ),
    );
    expect([...terms.identifiers.keys()].sort()).toEqual(
      ['Cart', 'CartService', 'add-item', 'formatPrice', 'user_id'].sort(),
    );
    expect([...terms.quoted.keys()]).toEqual(['Out of stock']);
    expect(terms.paths.has('src/cart.ts')).toBe(true);
    expect(terms.words.has('currency')).toBe(true);
    expect(terms.words.has('price')).toBe(true);
    expect(terms.words.has('the')).toBe(false);
    // Sentence-initial capitals are not identifiers.
    expect(terms.identifiers.has('Make')).toBe(false);
    expect(terms.identifiers.has('The')).toBe(false);
  });

  it('keeps the highest weight of a term', () => {
    const terms = extractQueryTerms([
      { text: 'use parseThing', weight: 0.5 },
      { text: 'and parseThing again', weight: 1 },
    ]);
    expect(terms.identifiers.get('parseThing')).toBe(1);
  });

  it('splits names into words', () => {
    expect(splitWords('formatPrice')).toEqual(['format', 'price']);
    expect(splitWords('HTTPServer')).toEqual(['http', 'server']);
    expect(splitWords('cart-item.ts')).toEqual(['cart', 'item', 'ts']);
  });
});

const project: ContextCandidate[] = [
  { path: 'README.md', content: '# Shop\n' },
  { path: 'src/cart.ts', content: 'import { formatPrice } from "./format.ts";\nexport class Cart {}\n' },
  { path: 'src/format.ts', content: 'export function formatPrice(cents: number) {}\nformatPrice(1);\n' },
  { path: 'src/checkout.ts', content: 'const total = 1;\n' },
  { path: 'src/util/strings.ts', content: 'export const pad = 1;\n' },
  { path: 'package-lock.json', content: '{"formatPrice": "formatPrice formatPrice formatPrice"}\n' },
];

describe('rankFiles', () => {
  it('puts a mentioned path first, then a mentioned file name, then identifier matches', () => {
    const ranked = rankFiles(
      project,
      extractQueryTerms(instruction('In strings.ts and src/checkout.ts, use `formatPrice`.')),
    );
    expect(ranked.map((file) => [file.path, file.reason])).toEqual([
      ['src/checkout.ts', 'path mentioned'],
      ['src/util/strings.ts', 'file name mentioned'],
      ['src/format.ts', 'contains formatPrice'],
      ['src/cart.ts', 'contains formatPrice'],
      ['README.md', 'unrelated'],
      ['package-lock.json', 'contains formatPrice'],
    ]);
  });

  it('weighs rare identifiers more than common ones', () => {
    const files: ContextCandidate[] = [
      { path: 'a.ts', content: 'common common\n' },
      { path: 'b.ts', content: 'common rareName\n' },
      { path: 'c.ts', content: 'common\n' },
      { path: 'd.ts', content: 'common\n' },
    ];
    const ranked = rankFiles(files, extractQueryTerms(instruction('touch `common` and `rareName`')));
    expect(ranked[0]!.path).toBe('b.ts');
    expect(ranked[1]!.path).toBe('a.ts');
    // Equal scores are ordered by path.
    expect(ranked.slice(2).map((file) => file.path)).toEqual(['c.ts', 'd.ts']);
  });

  it('matches identifiers against file names and words against path segments', () => {
    const files: ContextCandidate[] = [
      { path: 'src/services/cart-service.ts', content: 'export class X {}\n' },
      { path: 'src/billing/invoice.ts', content: 'export const y = 1;\n' },
      { path: 'src/other.ts', content: 'export const z = 1;\n' },
    ];
    const ranked = rankFiles(files, extractQueryTerms(instruction('Fix the CartService and the invoices.')));
    expect(ranked.map((file) => [file.path, file.reason])).toEqual([
      ['src/services/cart-service.ts', 'file name matches CartService'],
      ['src/billing/invoice.ts', 'path matches invoice'],
      ['src/other.ts', 'unrelated'],
    ]);
  });

  it('ranks a lockfile first only when it is named', () => {
    const ranked = rankFiles(project, extractQueryTerms(instruction('Regenerate package-lock.json')));
    expect(ranked[0]).toMatchObject({
      path: 'package-lock.json',
      reason: 'path mentioned',
      lowPriority: false,
    });
  });
});

describe('selectContext', () => {
  const noSkips = { binary: [], tooLarge: [], forbidden: [] };

  it('shows a small project whole, except low-priority files nobody named', () => {
    const context = selectContext({
      candidates: project,
      skipped: noSkips,
      texts: instruction('Add a discount to the cart'),
      contextTokens: 10_000,
    });
    expect(context.files.map((file) => file.path)).toEqual([
      'src/cart.ts',
      'README.md',
      'src/checkout.ts',
      'src/format.ts',
      'src/util/strings.ts',
    ]);
    expect(context.files[0]!.reason).toBe('path matches cart');
    expect(context.files[1]!.reason).toBe('small project: every file fits');
    expect(context.tree).toBe('./: package-lock.json');
    expect(context.report).toEqual({
      included: context.files.map((file) => ({ path: file.path, reason: file.reason })),
      omitted: 1,
      skipped: { binary: 0, tooLarge: 0, forbidden: 0 },
    });
  });

  it('keeps within the budget, passing over a file too large for what is left', () => {
    const candidates: ContextCandidate[] = [
      { path: 'src/a.ts', content: `${'a'.repeat(400)} targetName\n` },
      { path: 'src/big.ts', content: `${'b'.repeat(4_000)} targetName targetName\n` },
      { path: 'src/c.ts', content: `${'c'.repeat(200)} targetName\n` },
      { path: 'src/unrelated.ts', content: 'x\n' },
    ];
    const budget =
      fileTokens('src/a.ts', candidates[0]!.content) + fileTokens('src/c.ts', candidates[2]!.content);
    const context = selectContext({
      candidates,
      skipped: noSkips,
      texts: instruction('rename `targetName`'),
      contextTokens: budget,
    });
    expect(context.files.map((file) => file.path)).toEqual(['src/a.ts', 'src/c.ts']);
    const used = context.files.reduce((sum, file) => sum + fileTokens(file.path, file.content), 0);
    expect(used).toBeLessThanOrEqual(budget);
    // Not a small project: the unrelated file is only listed.
    expect(context.tree).toBe('src/: big.ts, unrelated.ts');
    expect(context.report.omitted).toBe(2);
  });

  it('shows nothing with a zero budget and is deterministic', () => {
    const run = () =>
      selectContext({
        candidates: project,
        skipped: noSkips,
        texts: instruction('formatPrice'),
        contextTokens: 0,
      });
    expect(run().files).toEqual([]);
    expect(run()).toEqual(run());
  });
});

describe('buildFileTree', () => {
  it('lists one line per directory, in code-unit order', () => {
    expect(buildFileTree(['src/b.ts', 'README.md', 'src/a.ts', 'src/lib/x.ts', 'Makefile'])).toBe(
      ['./: Makefile, README.md', 'src/: a.ts, b.ts', 'src/lib/: x.ts'].join('\n'),
    );
    expect(buildFileTree([])).toBe('');
  });

  it('collapses deep directories into counts when the listing is too long', () => {
    const paths = ['README.md', 'src/index.ts'];
    for (let dir = 0; dir < 30; dir++) {
      for (let file = 0; file < 30; file++) paths.push(`src/modules/module${dir}/deep/file-${file}.ts`);
    }
    const full = buildFileTree(paths, 100_000);
    expect(full).toContain('src/modules/module7/deep/: file-0.ts, file-1.ts');
    const tree = buildFileTree(paths, 100);
    expect(estimateTokens(tree)).toBeLessThanOrEqual(100);
    expect(tree).toContain('./: README.md');
    expect(tree).toContain('src/: index.ts');
    expect(tree).toMatch(/^src\/modules\/ \(900 files\)$/m);
    const medium = buildFileTree(paths, 1_000);
    expect(estimateTokens(medium)).toBeLessThanOrEqual(1_000);
    expect(medium).toMatch(/^src\/modules\/module7\/deep\/ \(30 files\)$/m);
    const small = buildFileTree(paths, 260);
    expect(estimateTokens(small)).toBeLessThanOrEqual(260);
    expect(small).toMatch(/^src\/modules\/module7\/ \(30 files\)$/m);
  });

  it('cuts a flat directory that cannot be collapsed', () => {
    const paths = Array.from({ length: 5_000 }, (_, index) => `file-${String(index).padStart(4, '0')}.txt`);
    const tree = buildFileTree(paths, 300);
    expect(estimateTokens(tree)).toBeLessThanOrEqual(300);
    expect(tree).toMatch(/^\.\/: file-0000\.txt, file-0001\.txt, .*\.\.\. \(\d+ more\)$/);
  });
  it('chooses the deepest level that fits, exactly as rendering every level in turn would', () => {
    // The former algorithm (below) is the reference.
    const reference = buildFileTreeByRendering;
    let seed = 7;
    const next = (limit: number) => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed % limit;
    };
    for (let round = 0; round < 40; round++) {
      const paths = new Set<string>();
      const count = 1 + next(400);
      for (let index = 0; index < count; index++) {
        const depth = next(6);
        const segments = Array.from({ length: depth }, () => `d${next(4)}${'x'.repeat(next(3))}`);
        paths.add([...segments, `f${next(50)}.ts`].join('/'));
      }
      const list = [...paths].sort();
      for (const maxTokens of [10, 50, 120, 400, 1_000, 5_000]) {
        expect(buildFileTree(list, maxTokens)).toBe(reference(list, maxTokens));
      }
    }
  });
});

/** Every level rendered in turn, the deepest that fits first (what buildFileTree did before). */
function buildFileTreeByRendering(paths: string[], maxTokens: number): string {
  interface Node {
    files: string[];
    dirs: Map<string, Node>;
    count: number;
  }
  const root: Node = { files: [], dirs: new Map(), count: 0 };
  let maxDepth = 0;
  for (const path of paths) {
    const segments = path.split('/');
    maxDepth = Math.max(maxDepth, segments.length - 1);
    let node = root;
    node.count++;
    for (const segment of segments.slice(0, -1)) {
      let child = node.dirs.get(segment);
      if (child === undefined) {
        child = { files: [], dirs: new Map(), count: 0 };
        node.dirs.set(segment, child);
      }
      child.count++;
      node = child;
    }
    node.files.push(segments.at(-1)!);
  }
  const byCodeUnit = (left: string, right: string) => (left < right ? -1 : left > right ? 1 : 0);
  const render = (node: Node, prefix: string, depth: number, collapseAt: number): string[] => {
    const lines: string[] = [];
    const files = [...node.files].sort(byCodeUnit);
    if (files.length > 0) lines.push(`${prefix === '' ? './' : prefix}: ${files.join(', ')}`);
    for (const name of [...node.dirs.keys()].sort(byCodeUnit)) {
      const child = node.dirs.get(name)!;
      const childPrefix = `${prefix}${name}/`;
      if (depth + 1 >= collapseAt)
        lines.push(`${childPrefix} (${child.count} ${child.count === 1 ? 'file' : 'files'})`);
      else lines.push(...render(child, childPrefix, depth + 1, collapseAt));
    }
    return lines;
  };
  for (let collapseAt = maxDepth + 1; collapseAt >= 1; collapseAt--) {
    const text = render(root, '', 0, collapseAt).join('\n');
    if (estimateTokens(text) <= maxTokens) return text;
  }
  // Too long even at depth 1: buildFileTree cuts lines then, which this reference does not model.
  return buildFileTree(paths, maxTokens);
}

describe('gatherContext', () => {
  it('skips binary, huge and forbidden files, lists them in the tree, and never reads a forbidden file', async () => {
    const workspace = createMemoryWorkspace({
      'src/app.ts': 'export const app = 1;\n',
      'assets/logo.png': 'PNG...',
      'data/blob.dat': 'abc\0def',
      'data/huge.json': 'x'.repeat(2_000),
      '.env': 'API_KEY=secret-value',
    });
    const reads: string[] = [];
    const spying = {
      ...workspace,
      readFile: (path: string) => {
        reads.push(path);
        return workspace.readFile(path);
      },
    };
    const context = await gatherContext({
      workspace: spying,
      texts: instruction('change the app'),
      contextTokens: 10_000,
      maxFileBytes: 1_000,
      forbiddenPaths: defaultForbiddenPaths,
    });
    expect(context.files.map((file) => file.path)).toEqual(['src/app.ts']);
    expect(context.report.skipped).toEqual({ binary: 2, tooLarge: 1, forbidden: 1 });
    expect(context.tree).toBe(['./: .env', 'assets/: logo.png', 'data/: blob.dat, huge.json'].join('\n'));
    expect(reads).not.toContain('.env');
    expect(reads).not.toContain('assets/logo.png');
    expect(JSON.stringify(context)).not.toContain('secret-value');
  });

  it('counts UTF-8 bytes against maxFileBytes', async () => {
    const workspace = createMemoryWorkspace({ 'a.txt': 'é'.repeat(600), 'b.txt': 'e'.repeat(600) });
    const context = await gatherContext({
      workspace,
      texts: instruction('x'),
      contextTokens: 10_000,
      maxFileBytes: 1_000,
      forbiddenPaths: [],
    });
    expect(context.files.map((file) => file.path)).toEqual(['b.txt']);
    expect(context.report.skipped.tooLarge).toBe(1);
  });
});

describe('gatherContext on a workspace that lists sizes', () => {
  const files: Record<string, string> = {
    'src/billing/format-price.ts': 'export function formatPrice(cents: number) {\n  return cents;\n}\n',
    'src/cart/cart.ts': 'import { formatPrice } from "../billing/format-price.ts";\nformatPrice(1);\n',
    'src/huge.ts': `// ${'x'.repeat(3_000)}\n`,
    'assets/logo.png': 'PNG...',
    '.env': 'API_KEY=secret-value',
  };
  for (let index = 0; index < 40; index++)
    files[`src/other/file-${index}.ts`] = `export const v${index} = 1;\n`;
  const options = {
    texts: instruction('Make formatPrice show two decimals'),
    contextTokens: 10_000,
    maxFileBytes: 1_000,
    forbiddenPaths: defaultForbiddenPaths,
  };

  it('ranks a large one by paths and sizes, reading only the files it shows', async () => {
    const workspace = createMemoryWorkspace(files, { sizes: true });
    // A budget smaller than the whole: only relevant files are shown.
    const context = await gatherContext({ ...options, workspace, contextTokens: 200, contentReadBytes: 500 });
    expect(context.report.included).toEqual([
      { path: 'src/billing/format-price.ts', reason: 'file name matches formatPrice' },
    ]);
    expect(context.report.skipped).toEqual({ binary: 1, tooLarge: 1, forbidden: 1 });
    expect(context.files[0]!.content).toBe(files['src/billing/format-price.ts']);
    // Nothing but the file shown was read: not the 40 others, not the huge one, never `.env`.
    expect(workspace.reads()).toEqual(['src/billing/format-price.ts']);
    expect(context.tree).toContain('cart.ts');
  });

  it('reads a small one whole and ranks it by content, as a workspace without sizes', async () => {
    const workspace = createMemoryWorkspace(files, { sizes: true });
    const context = await gatherContext({ ...options, workspace });
    const plain = await gatherContext({ ...options, workspace: createMemoryWorkspace(files) });
    expect(context).toEqual(plain);
    expect(context.report.included.map((file) => file.path)).toContain('src/cart/cart.ts');
    expect(workspace.reads()).not.toContain('.env');
  });

  it('budgets a file never read by its size, and drops one that turns out binary when shown', async () => {
    const workspace = createMemoryWorkspace(
      { 'a/format-price.ts': 'y'.repeat(400), 'b/format-price.ts': 'a\0b', 'c/big.ts': 'z'.repeat(900) },
      { sizes: true },
    );
    const context = await gatherContext({ ...options, workspace, contextTokens: 120, contentReadBytes: 0 });
    // 400 bytes are 100 tokens plus the path's: it fits in 120, nothing else does after it.
    expect(context.files.map((file) => file.path)).toEqual(['a/format-price.ts']);
    const both = await gatherContext({ ...options, workspace, contentReadBytes: 0 });
    // Everything fits (a small project): shown whole, but for the file holding a NUL.
    expect(both.files.map((file) => file.path)).toEqual(['a/format-price.ts', 'c/big.ts']);
    expect(both.tree).toContain('b/: format-price.ts');
  });
});

describe('countIdentifiers', () => {
  const content = [
    'const cartTotal = 9cartTotal + a9cartTotal + cartTotal$ + $cartTotal;',
    'cartTotal(cartTotal); // cartTotal_x cart_total cart-total',
    'export { cartTotal as total, cart_total };',
  ].join('\n');
  const wanted = ['cartTotal', 'cart_total', 'cart-total'];

  it('counts whole tokens only, the same whether it searches term by term or splits into tokens', () => {
    const few = countIdentifiers(content, extractQueryTerms([{ text: wanted.join(' '), weight: 1 }]));
    const padding = Array.from({ length: 12 }, (_, index) => `absentIdentifier${index}`);
    const many = countIdentifiers(
      content,
      extractQueryTerms([{ text: [...wanted, ...padding].join(' '), weight: 1 }]),
    );
    // `9cartTotal` holds the token cartTotal; `a9cartTotal`, `cartTotal$`, `$cartTotal` and
    // `cartTotal_x` are other tokens.
    expect(few.get('cartTotal')).toBe(5);
    expect(few.get('cart_total')).toBe(2);
    expect(few.get('cart-total')).toBe(1);
    for (const term of wanted) expect(many.get(term), term).toBe(few.get(term));
  });
});

describe('gatherContext with a ContextCache', () => {
  /** A memory workspace that counts its reads and reports a revision. */
  function counted(files: Record<string, string>, revision: string | undefined) {
    const inner = createMemoryWorkspace(files);
    const reads = { list: 0, file: 0 };
    const workspace = {
      root: inner.root,
      revision,
      listFiles: async () => {
        reads.list++;
        return inner.listFiles();
      },
      readFile: async (path: string) => {
        reads.file++;
        return inner.readFile(path);
      },
      writeFiles: inner.writeFiles,
    };
    return { workspace, reads };
  }
  const files = {
    'src/cart.ts': `export function cartTotal() {\n${'  // filler\n'.repeat(200)}  return 1;\n}\n`,
    'src/price.ts': `export function formatPrice() {\n${'  // filler\n'.repeat(200)}  return '';\n}\n`,
    'README.md': '# shop\n',
  };
  const options = {
    texts: instruction('Make cartTotal use formatPrice'),
    maxFileBytes: 200_000,
    forbiddenPaths: defaultForbiddenPaths,
  };

  it('reads and ranks a revision once; each caller applies its own budget', async () => {
    const cache = createContextCache();
    const first = counted(files, 'commit-1');
    const second = counted(files, 'commit-1');
    const [large, small] = await Promise.all([
      gatherContext({ ...options, workspace: first.workspace, contextTokens: 10_000, cache }),
      gatherContext({ ...options, workspace: second.workspace, contextTokens: 700, cache }),
    ]);
    expect(large.files.map((file) => file.path).sort()).toEqual(['README.md', 'src/cart.ts', 'src/price.ts']);
    expect(small.files).toHaveLength(1);
    expect(small.tree).toContain('price.ts');
    // Only one of them listed and read everything; the other read just the files it shows.
    expect(first.reads.list + second.reads.list).toBe(1);
    expect(Math.min(first.reads.file, second.reads.file)).toBeLessThanOrEqual(3);
    expect(cache.size).toBe(1);
    // A caller with the same budget gets the very same context (one copy of its texts).
    const again = await gatherContext({
      ...options,
      workspace: counted(files, 'commit-1').workspace,
      contextTokens: 700,
      cache,
    });
    expect(again).toBe(small);
    // Without the cache the result is the same.
    const alone = await gatherContext({
      ...options,
      workspace: counted(files, 'commit-1').workspace,
      contextTokens: 700,
    });
    expect(alone).toEqual(small);
  });

  it('ranks again for another revision, other texts, or a workspace without a revision', async () => {
    const cache = createContextCache({ maxEntries: 2 });
    const read = async (revision: string | undefined, text = 'Make cartTotal use formatPrice') => {
      const { workspace, reads } = counted(files, revision);
      await gatherContext({ ...options, texts: instruction(text), workspace, contextTokens: 10_000, cache });
      return reads.list;
    };
    expect(await read('a')).toBe(1);
    expect(await read('a')).toBe(0);
    expect(await read('b')).toBe(1);
    expect(await read('a', 'something else')).toBe(1);
    expect(cache.size).toBe(2);
    // The oldest ranking ('a' with the first text) was dropped.
    expect(await read('a')).toBe(1);
    expect(await read(undefined)).toBe(1);
    expect(await read(undefined)).toBe(1);
  });

  it("one caller's abort does not fail another caller waiting for the same ranking", async () => {
    const cache = createContextCache();
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const slow = counted(files, 'r');
    const listFiles = slow.workspace.listFiles;
    slow.workspace.listFiles = async () => {
      await gate;
      return listFiles();
    };
    const controller = new AbortController();
    const aborted = gatherContext({
      ...options,
      workspace: slow.workspace,
      contextTokens: 10_000,
      cache,
      signal: controller.signal,
    });
    const other = gatherContext({
      ...options,
      workspace: counted(files, 'r').workspace,
      contextTokens: 10_000,
      cache,
    });
    controller.abort(new Error('canceled'));
    await expect(aborted).rejects.toThrow('canceled');
    release();
    expect((await other).files).toHaveLength(3);
  });

  it('forgets a ranking that failed, so that the next caller tries again', async () => {
    const cache = createContextCache();
    const broken = counted(files, 'x');
    broken.workspace.listFiles = async () => {
      throw new Error('disk gone');
    };
    await expect(
      gatherContext({ ...options, workspace: broken.workspace, contextTokens: 100, cache }),
    ).rejects.toThrow('disk gone');
    await Promise.resolve();
    expect(cache.size).toBe(0);
    const again = await gatherContext({
      ...options,
      workspace: counted(files, 'x').workspace,
      contextTokens: 10_000,
      cache,
    });
    expect(again.files).toHaveLength(3);
  });
});
