import { describe, expect, it } from 'vitest';
import { applyEdits, formatApplyFailure, type MatchTier, parseEdits } from './index.ts';

// Replies written the way models answer coding requests: prose, fences, and an edit in one of
// the formats, applied to a small project.

const cart = `import { formatPrice } from './format.ts';

export interface Item {
  sku: string;
  price: number;
  quantity: number;
}

export class Cart {
  private items: Item[] = [];

  add(item: Item): void {
    const existing = this.items.find((each) => each.sku === item.sku);
    if (existing) {
      existing.quantity += item.quantity;
      return;
    }
    this.items.push(item);
  }

  remove(sku: string): void {
    this.items = this.items.filter((each) => each.sku !== sku);
  }

  total(): number {
    return this.items.reduce((sum, each) => sum + each.price * each.quantity, 0);
  }

  summary(): string {
    return \`\${this.items.length} items, \${formatPrice(this.total())}\`;
  }
}
`;

const format = `export function formatPrice(cents: number): string {
  return \`$\${(cents / 100).toFixed(2)}\`;
}
`;

const project: Record<string, string> = {
  'src/cart.ts': cart,
  'src/format.ts': format,
  'README.md': '# Shop\n\nA tiny cart.\n',
};

async function applyReply(reply: string) {
  const result = await applyEdits({ edits: reply, readFile: async (path) => project[path] ?? null });
  const files: Record<string, string> = { ...project };
  const tiers: MatchTier[] = result.files.flatMap((file) => file.hunks.map((hunk) => hunk.tier));
  if (result.ok) {
    for (const change of result.changes) {
      if (change.content === null) delete files[change.path];
      else files[change.path] = change.content;
    }
  }
  return { result, files, tiers };
}

describe('realistic model replies', () => {
  it('prose + a fenced unified diff with made-up line numbers', async () => {
    const reply = `The \`remove\` method silently ignores unknown SKUs. I'll make it report whether something was removed:

\`\`\`diff
--- a/src/cart.ts
+++ b/src/cart.ts
@@ -20,5 +20,7 @@ export class Cart {
-  remove(sku: string): void {
-    this.items = this.items.filter((each) => each.sku !== sku);
+  remove(sku: string): boolean {
+    const before = this.items.length;
+    this.items = this.items.filter((each) => each.sku !== sku);
+    return this.items.length < before;
   }
 
   total(): number {
\`\`\`

Callers that ignored the return value keep working.`;
    const { result, files, tiers } = await applyReply(reply);
    expect(result.ok).toBe(true);
    expect(tiers).toEqual(['exact']);
    expect(files['src/cart.ts']).toBe(
      cart.replace(
        '  remove(sku: string): void {\n    this.items = this.items.filter((each) => each.sku !== sku);\n',
        '  remove(sku: string): boolean {\n    const before = this.items.length;\n    this.items = this.items.filter((each) => each.sku !== sku);\n    return this.items.length < before;\n',
      ),
    );
  });

  it('several SEARCH/REPLACE blocks in two files, with explanations between them', async () => {
    const reply = `I'll add a currency parameter to \`formatPrice\` and use it from the cart.

src/format.ts
\`\`\`typescript
<<<<<<< SEARCH
export function formatPrice(cents: number): string {
  return \`$\${(cents / 100).toFixed(2)}\`;
}
=======
export function formatPrice(cents: number, currency = 'USD'): string {
  return new Intl.NumberFormat('en-US', { style: 'currency', currency }).format(cents / 100);
}
>>>>>>> REPLACE
\`\`\`

Now the cart needs to know its currency:

src/cart.ts
\`\`\`typescript
<<<<<<< SEARCH
export class Cart {
  private items: Item[] = [];
=======
export class Cart {
  private items: Item[] = [];

  constructor(private readonly currency = 'USD') {}
>>>>>>> REPLACE
\`\`\`

src/cart.ts
\`\`\`typescript
<<<<<<< SEARCH
    return \`\${this.items.length} items, \${formatPrice(this.total())}\`;
=======
    return \`\${this.items.length} items, \${formatPrice(this.total(), this.currency)}\`;
>>>>>>> REPLACE
\`\`\`

That's it — existing callers default to USD.`;
    const parsed = parseEdits(reply);
    expect(parsed.problems).toEqual([]);
    expect(
      parsed.edits.map((edit) => edit.kind === 'search-replace' && [edit.path, edit.blocks.length]),
    ).toEqual([
      ['src/format.ts', 1],
      ['src/cart.ts', 2],
    ]);
    const { result, files, tiers } = await applyReply(reply);
    expect(result.ok).toBe(true);
    expect(tiers).toEqual(['exact', 'exact', 'exact']);
    expect(files['src/format.ts']).toContain("currency = 'USD'");
    expect(files['src/cart.ts']).toContain("constructor(private readonly currency = 'USD') {}");
    expect(files['src/cart.ts']).toContain('formatPrice(this.total(), this.currency)');
  });

  it('an apply_patch envelope inside a shell heredoc, adding a test file', async () => {
    const reply = `Applying the change:

\`\`\`bash
apply_patch <<'EOF'
*** Begin Patch
*** Update File: src/cart.ts
@@ export class Cart {
   total(): number {
-    return this.items.reduce((sum, each) => sum + each.price * each.quantity, 0);
+    return this.items.reduce((sum, each) => sum + Math.round(each.price * each.quantity), 0);
   }
*** Add File: src/cart.test.ts
+import { expect, it } from 'vitest';
+import { Cart } from './cart.ts';
+
+it('totals rounded line prices', () => {
+  const cart = new Cart();
+  cart.add({ sku: 'a', price: 33.5, quantity: 3 });
+  expect(cart.total()).toBe(101);
+});
*** End Patch
EOF
\`\`\``;
    const { result, files, tiers } = await applyReply(reply);
    expect(result.ok).toBe(true);
    expect(tiers).toEqual(['exact', 'new-file']);
    expect(files['src/cart.ts']).toContain('Math.round(each.price * each.quantity)');
    expect(files['src/cart.test.ts']?.split('\n')).toHaveLength(9);
  });

  it('a whole file in a fence with its path on the line before', async () => {
    const reply = `Here is the updated file:

**src/format.ts**
\`\`\`ts
export function formatPrice(cents: number): string {
  const sign = cents < 0 ? '-' : '';
  return \`\${sign}$\${(Math.abs(cents) / 100).toFixed(2)}\`;
}
\`\`\`

Negative amounts now print as \`-$1.00\` instead of \`$-1.00\`.`;
    const { result, files, tiers } = await applyReply(reply);
    expect(result.ok).toBe(true);
    expect(tiers).toEqual(['whole-file']);
    expect(files['src/format.ts']).toBe(
      [
        'export function formatPrice(cents: number): string {',
        "  const sign = cents < 0 ? '-' : '';",
        '  return `$' + '{sign}$$' + '{(Math.abs(cents) / 100).toFixed(2)}`;',
        '}',
        '',
      ].join('\n'),
    );
  });

  it('a sloppy diff: no a/ b/, bare @@, lost blank-line spaces, dropped indentation, plus a new file', async () => {
    const reply = `Sure! Two changes.

\`\`\`patch
--- src/cart.ts
+++ src/cart.ts
@@
 add(item: Item): void {
   const existing = this.items.find((each) => each.sku === item.sku);
+  if (item.quantity <= 0) throw new RangeError('quantity must be positive');
   if (existing) {
@@
 summary(): string {
   return \`\${this.items.length} items, \${formatPrice(this.total())}\`;
 }

+isEmpty(): boolean {
+  return this.items.length === 0;
+}
+
 }
--- /dev/null
+++ CHANGELOG.md
@@ -0,0 +1,3 @@
+# Changelog
+
+- Cart rejects non-positive quantities.
\`\`\``;
    const { result, files, tiers } = await applyReply(reply);
    if (!result.ok) expect.fail(result.failures.map(formatApplyFailure).join('\n'));
    // The second hunk's class-closing brace was already at column 0 and could not lose a level:
    // one line off the block's indentation pattern makes it a fuzzy match (still unique, still re-indented).
    expect(tiers).toEqual(['indentation', 'fuzzy', 'new-file']);
    expect(files['src/cart.ts']).toContain(
      "    const existing = this.items.find((each) => each.sku === item.sku);\n    if (item.quantity <= 0) throw new RangeError('quantity must be positive');\n    if (existing) {",
    );
    // The blank context line the model imagined after summary() is not in the file, so none appears.
    expect(files['src/cart.ts']).toContain(
      '  }\n  isEmpty(): boolean {\n    return this.items.length === 0;\n  }\n\n}\n',
    );
    expect(files['CHANGELOG.md']).toBe('# Changelog\n\n- Cart rejects non-positive quantities.\n');
  });

  it('a stale diff is refused with a failure text fit for a re-prompt', async () => {
    const reply = `\`\`\`diff
--- a/src/cart.ts
+++ b/src/cart.ts
@@ -26,3 +26,3 @@
   total(): number {
-    return this.items.reduce((acc, item) => acc + item.price, 0);
+    return this.items.reduce((acc, item) => acc + item.price * item.quantity, 0);
   }
\`\`\``;
    const { result } = await applyReply(reply);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const text = formatApplyFailure(result.failures[0]!);
    expect(text).toContain('src/cart.ts, hunk 1: not-found');
    expect(text).toContain('Expected lines:\n  |   total(): number {');
    expect(text).toMatch(/Closest region in the file \(lines 25-27, \d+% similar\):/);
    expect(text).toContain(
      '  26 |     return this.items.reduce((sum, each) => sum + each.price * each.quantity, 0);',
    );
  });
});
