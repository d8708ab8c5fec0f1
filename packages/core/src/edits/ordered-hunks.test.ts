import { describe, expect, it } from 'vitest';
import { type ApplyEditsResult, applyEdits, formatApplyFailure } from './index.ts';

// Hunks without line numbers (bare `@@`, apply_patch) come in file order. As OpenAI's
// apply_patch does, a hunk whose lines occur several times is looked for after the previous
// hunk's region; only what is still ambiguous there is refused.

const file = [
  'function first() {',
  '  setup();',
  '  run();',
  '}',
  'function second() {',
  '  setup();',
  '  run();',
  '}',
  'function third() {',
  '  setup();',
  '  run();',
  '}',
  '',
].join('\n');

async function apply(edits: string, content = file): Promise<ApplyEditsResult> {
  return applyEdits({ edits, readFile: async (path) => (path === 'a.js' ? content : null) });
}

async function applied(edits: string, content = file): Promise<string> {
  const result = await apply(edits, content);
  if (!result.ok) expect.fail(result.failures.map(formatApplyFailure).join('\n\n'));
  expect(result.changes.length).toBeLessThanOrEqual(1);
  return result.changes[0]?.content ?? content;
}

const diff = (body: string): string => `--- a/a.js\n+++ b/a.js\n${body}`;
const envelope = (body: string): string => `*** Begin Patch\n*** Update File: a.js\n${body}*** End Patch\n`;
const renameSecondRun = ' function second() {\n   setup();\n-  run();\n+  runSecond();\n';
const thenSetup = '   setup();\n-  run();\n+  runAgain();\n }\n';

describe('hunks without line numbers are ordered', () => {
  it('takes the one place after the previous hunk (bare @@ and apply_patch), and is already applied after', async () => {
    const expected = file.replace(
      'function third() {\n  setup();\n  run();',
      'function third() {\n  setup();\n  runAgain();',
    );
    const want = expected.replace(
      'second() {\n  setup();\n  run();',
      'second() {\n  setup();\n  runSecond();',
    );
    for (const edits of [
      diff(`@@\n${renameSecondRun}@@\n${thenSetup}`),
      envelope(`@@\n${renameSecondRun}@@\n${thenSetup}`),
    ]) {
      expect(await applied(edits)).toBe(want);
    }
  });

  it('is already applied the second time when the old lines are gone', async () => {
    const edits = envelope(`@@\n${renameSecondRun}@@\n${thenSetup}`);
    const once = await applied(
      edits,
      file.replace('first() {\n  setup();\n  run();', 'first() {\n  setup();\n  go();'),
    );
    const again = await apply(edits, once);
    expect(again.ok && again.changes).toEqual([]);
    expect(again.files.flatMap((item) => item.hunks.map((hunk) => hunk.tier))).toEqual([
      'already-applied',
      'already-applied',
    ]);
  });

  it('refuses, rather than guess, old lines only before the previous hunk and new lines after it', async () => {
    // Applied once, the third function changed; its old lines remain in the first function only.
    // A second application must not change the first function, nor may an out-of-order hunk
    // be called applied: refused.
    const edits = diff(`@@\n${renameSecondRun}@@\n${thenSetup}`);
    const once = await applied(edits);
    const result = await apply(edits, once);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures.map((failure) => [failure.hunkIndex, failure.reason])).toEqual([[1, 'ambiguous']]);
    expect(result.failures[0]!.message).toContain('before the previous hunk');
  });

  it('refuses the first hunk when its lines occur twice: there is no previous hunk to search after', async () => {
    const result = await apply(diff(`@@\n${thenSetup}`));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures).toHaveLength(1);
    expect(result.failures[0]!.reason).toBe('ambiguous');
    expect(result.failures[0]!.message).toContain('3 places');
  });

  it('refuses a hunk still found twice after the previous one, naming only those two places', async () => {
    const first = ' function first() {\n   setup();\n-  run();\n+  runFirst();\n';
    const result = await apply(diff(`@@\n${first}@@\n${thenSetup}`));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures.map((failure) => [failure.hunkIndex, failure.reason])).toEqual([[1, 'ambiguous']]);
    expect(result.failures[0]!.message).toContain('2 places (lines 6-8 and lines 10-12');
  });

  it('still places a hunk whose only place is before the previous hunk (hunks out of order)', async () => {
    const third = ' function third() {\n   setup();\n-  run();\n+  runThird();\n';
    const first = ' function first() {\n   setup();\n-  run();\n+  runFirst();\n';
    const content = await applied(diff(`@@\n${third}@@\n${first}`));
    expect(content).toContain('first() {\n  setup();\n  runFirst();');
    expect(content).toContain('third() {\n  setup();\n  runThird();');
  });

  it('does not read hunks with line numbers as ordered: a wrong number with repeated lines is refused', async () => {
    const result = await apply(diff(`@@ -5,3 +5,3 @@\n${renameSecondRun}@@ -40,4 +40,4 @@\n${thenSetup}`));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.failures.map((failure) => [failure.hunkIndex, failure.reason])).toEqual([[1, 'ambiguous']]);
  });
});
