import { describe, expect, it } from 'vitest';
import { formatApplyFailure, type HunkFailure } from './index.ts';

const base: HunkFailure = {
  path: 'src/cart.ts',
  editIndex: 0,
  hunkIndex: 1,
  reason: 'not-found',
  message:
    'the 2 expected lines are not in the file; re-read the file and resend this change with its current lines',
  expected: ['  total(): number {', '    return 0;'],
  closest: {
    startLine: 9,
    endLine: 10,
    lines: ['  total(): number {', '    return sum;'],
    similarity: 0.8123,
  },
};

describe('formatApplyFailure', () => {
  it('names the file, the 1-based hunk, the reason, the expected lines and the closest region', () => {
    expect(formatApplyFailure(base)).toBe(
      [
        'src/cart.ts, hunk 2: not-found',
        '  the 2 expected lines are not in the file; re-read the file and resend this change with its current lines',
        'Expected lines:',
        '  |   total(): number {',
        '  |     return 0;',
        'Closest region in the file (lines 9-10, 81% similar):',
        '   9 |   total(): number {',
        '  10 |     return sum;',
      ].join('\n'),
    );
  });

  it('formats whole-file failures and parse problems without hunk or region', () => {
    const fileLevel = {
      ...base,
      hunkIndex: null,
      reason: 'file-missing' as const,
      message: 'x does not exist',
      expected: [],
      closest: null,
    };
    expect(formatApplyFailure(fileLevel)).toBe('src/cart.ts: file-missing\n  x does not exist');
    const parse = {
      ...fileLevel,
      path: '',
      editIndex: null,
      reason: 'parse' as const,
      message: 'line 3: broken',
    };
    expect(formatApplyFailure(parse)).toBe('edit: parse\n  line 3: broken');
  });

  it('cuts long listings and says how much was left out', () => {
    const expected = Array.from({ length: 55 }, (_, index) => `line ${index}`);
    const text = formatApplyFailure({ ...base, expected, closest: null });
    expect(text).toContain('  | line 39\n  ... (15 more lines)');
    expect(text).not.toContain('line 40');
  });
});
