import { describe, expect, it } from 'vitest';
import { createSeededRandom } from '../testing/seeded-random.ts';
import { applyEdits, parseEdits } from './index.ts';
import { alignLines } from './line-diff.ts';
import { joinText, splitText } from './text-lines.ts';

// Fragments of every format, broken on purpose when mixed: markers without their partners,
// headers without hunks, fences that never close, numbers that overflow, odd whitespace.
const fragments = [
  'diff --git a/x b/x',
  'diff --git ',
  'diff --git "a/\\',
  '--- a/src/a.ts',
  '+++ b/src/a.ts',
  '--- /dev/null',
  '+++ /dev/null',
  '--- ',
  '+++ ',
  '@@ -1,3 +1,4 @@',
  '@@ -99999999999999999999,1 +1 @@',
  '@@',
  '@@@ -1 -1 +1 @@@',
  '@@ ... @@ function f() {',
  ' context',
  '-removed',
  '+added',
  '\\ No newline at end of file',
  '',
  '   ',
  '\t',
  'new file mode 100644',
  'deleted file mode 100644',
  'rename from a',
  'rename to b',
  'similarity index 90%',
  'index 000..111 100644',
  'GIT binary patch',
  'literal 12',
  'Binary files a/x and b/x differ',
  '<<<<<<< SEARCH',
  '<<<<< SEARCH',
  '=======',
  '>>>>>>> REPLACE',
  '>>>>>>>>> REPLACE  ',
  '*** Begin Patch',
  '*** End Patch',
  '*** Add File: n.txt',
  '*** Update File: src/a.ts',
  '*** Delete File: d.txt',
  '*** Move to: m.txt',
  '*** End of File',
  '*** Frobnicate',
  '```',
  '```diff',
  '```ts path=src/a.ts',
  '````md path=README.md',
  '~~~',
  '   ```',
  'src/a.ts',
  'src/a.ts:',
  '**src/a.ts**',
  '`../../etc/passwd`',
  '// ... existing code ...',
  'Here is the fix:',
  'const x = 1;',
  '\r',
  '\u0000',
  '\uFEFF',
  '😀 unicode',
];

function longestCommonSubsequence(a: readonly string[], b: readonly string[]): number {
  const table = Array.from({ length: a.length + 1 }, () => new Array<number>(b.length + 1).fill(0));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      table[i]![j] =
        a[i - 1] === b[j - 1] ? table[i - 1]![j - 1]! + 1 : Math.max(table[i - 1]![j]!, table[i]![j - 1]!);
    }
  }
  return table[a.length]![b.length]!;
}

function randomText(random: () => number): string {
  const lineCount = Math.floor(random() * 40);
  const lines: string[] = [];
  for (let line = 0; line < lineCount; line++) {
    const roll = random();
    if (roll < 0.7) lines.push(fragments[Math.floor(random() * fragments.length)]!);
    else if (roll < 0.9) {
      const prefix = [' ', '-', '+', '', '@', '*', '<', '>', '='][Math.floor(random() * 9)]!;
      lines.push(prefix + randomChars(random, Math.floor(random() * 20)));
    } else lines.push(randomChars(random, Math.floor(random() * 60)));
  }
  return lines.join(random() < 0.2 ? '\r\n' : '\n');
}

function randomChars(random: () => number, length: number): string {
  let text = '';
  for (let index = 0; index < length; index++) {
    const roll = random();
    text +=
      roll < 0.8
        ? String.fromCharCode(32 + Math.floor(random() * 95))
        : String.fromCharCode(Math.floor(random() * 0x3000));
  }
  return text;
}

describe('fuzz', () => {
  it('parseEdits never throws and reports problems on real lines (5000 seeded inputs)', () => {
    const random = createSeededRandom(0x5eed);
    const started = Date.now();
    let withEdits = 0;
    for (let round = 0; round < 5000; round++) {
      const text = randomText(random);
      const lineCount = text.split('\n').length;
      let parsed: ReturnType<typeof parseEdits>;
      try {
        parsed = parseEdits(text);
      } catch (error) {
        expect.fail(`parseEdits threw on round ${round}: ${String(error)}\n${JSON.stringify(text)}`);
      }
      if (parsed.edits.length > 0) withEdits++;
      for (const problem of parsed.problems) {
        expect(problem.line).toBeGreaterThanOrEqual(1);
        expect(problem.line).toBeLessThanOrEqual(lineCount);
      }
    }
    expect(withEdits).toBeGreaterThan(100);
    // A bound, not a benchmark: catches accidental quadratic blow-ups only.
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('applyEdits never throws on random replies against a small tree (800 seeded inputs)', async () => {
    const random = createSeededRandom(0xfeed);
    const files: Record<string, string> = {
      'src/a.ts': 'context\nremoved\nconst x = 1;\n',
      x: 'context\n',
      'd.txt': 'bye\n',
    };
    let succeeded = 0;
    for (let round = 0; round < 800; round++) {
      const text = randomText(random);
      const result = await applyEdits({ edits: text, readFile: async (path) => files[path] ?? null }).catch(
        (error: unknown) =>
          expect.fail(`applyEdits threw on round ${round}: ${String(error)}\n${JSON.stringify(text)}`),
      );
      if (result.ok) {
        succeeded++;
        for (const change of result.changes) expect(typeof change.path).toBe('string');
      } else expect(result.failures.length).toBeGreaterThan(0);
    }
    // The inputs must sometimes be valid edits, or this test proves little.
    expect(succeeded).toBeGreaterThan(5);
  });

  it('splitText and joinText round-trip any mix of line endings', () => {
    const random = createSeededRandom(7);
    const pieces = ['a', 'bc', '', '\n', '\r\n', '\r', ' ', '\t'];
    for (let round = 0; round < 3000; round++) {
      let text = '';
      const length = Math.floor(random() * 12);
      for (let index = 0; index < length; index++) text += pieces[Math.floor(random() * pieces.length)];
      expect(joinText(splitText(text))).toBe(text);
    }
  });

  it('alignLines keeps equal lines, in order, as many as a longest common subsequence', () => {
    const random = createSeededRandom(11);
    const alphabet = ['a', 'b', 'c', '', '}'];
    const pick = () =>
      Array.from(
        { length: Math.floor(random() * 15) },
        () => alphabet[Math.floor(random() * alphabet.length)]!,
      );
    for (let round = 0; round < 2000; round++) {
      const a = pick();
      const b = pick();
      const alignment = alignLines(a, b);
      let last = -1;
      alignment.forEach((target, index) => {
        if (target < 0) return;
        expect(target).toBeGreaterThan(last);
        expect(b[target]).toBe(a[index]);
        last = target;
      });
      expect(alignment.filter((target) => target >= 0).length).toBe(longestCommonSubsequence(a, b));
    }
  });
});
