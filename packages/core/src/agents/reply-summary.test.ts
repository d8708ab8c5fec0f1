import { describe, expect, it } from 'vitest';
import { extractSummary, maxSummaryChars } from './reply-summary.ts';

describe('extractSummary', () => {
  it('keeps the prose and drops fenced edits with their path lines', () => {
    const reply = [
      'I made `total` skip free items.',
      '',
      'src/cart.ts',
      '```ts',
      '<<<<<<< SEARCH',
      'a',
      '=======',
      'b',
      '>>>>>>> REPLACE',
      '```',
      '',
      '',
      '',
      'Tests still pass.   ',
    ].join('\n');
    expect(extractSummary(reply)).toBe('I made `total` skip free items.\n\nTests still pass.');
  });

  it('drops unfenced SEARCH/REPLACE blocks, apply_patch envelopes and diffs', () => {
    const reply = [
      'Summary first.',
      'src/a.ts',
      '<<<<<<< SEARCH',
      'x',
      '=======',
      'y',
      '>>>>>>> REPLACE',
      'Between.',
      '*** Begin Patch',
      '*** Update File: b.ts',
      '@@',
      '-1',
      '+2',
      '*** End Patch',
      'Then a diff:',
      '--- a/c.ts',
      '+++ b/c.ts',
      '@@ -1 +1 @@',
      '-old',
      '+new',
      '',
      'Done.',
    ].join('\n');
    expect(extractSummary(reply)).toBe('Summary first.\nBetween.\nThen a diff:\n\nDone.');
  });

  it('is empty for a reply of edits only, and cuts long prose at a word boundary', () => {
    expect(extractSummary('```diff\n--- a/x\n+++ b/x\n@@\n-a\n+b\n```')).toBe('');
    const long = extractSummary('word '.repeat(1_000));
    expect(long.length).toBeLessThanOrEqual(maxSummaryChars);
    expect(long.endsWith('word…')).toBe(true);
  });

  it('keeps the prose after a whole file whose closing fence is glued to its last line', () => {
    const reply = 'Updated:\n\nsrc/a.ts\n```ts\nconst a = 1;```\n\nRun the tests.';
    expect(extractSummary(reply)).toBe('Updated:\n\nRun the tests.');
  });
});
