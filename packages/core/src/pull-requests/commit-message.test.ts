import { describe, expect, it } from 'vitest';
import { commitHeaderMaxLength, composeCommitMessage } from './commit-message.ts';

const model = { provider: 'openai', modelName: 'gpt-4.1' };

describe('composeCommitMessage', () => {
  it('makes a conventional header from the summary, the rest of it the body, and credits the model', () => {
    const message = composeCommitMessage({
      summary:
        'Fixed formatPrice so that it always shows two decimals.\n\nThe tests cover 500 and 1999 cents.',
      instruction: 'Make formatPrice show two decimals',
      model,
    });
    expect(message).toBe(
      'fix: formatPrice so that it always shows two decimals\n\nThe tests cover 500 and 1999 cents.\n\nCo-authored-by: gpt-4.1 (openai) <gpt-4.1.openai@models.goosuke.invalid>\n',
    );
  });

  it('writes a proper Japanese message for a Japanese summary, typed from its words', () => {
    const message = composeCommitMessage({
      summary: 'formatPrice が常に小数点以下2桁を表示するように修正しました。',
      instruction: '価格表示を小数点以下2桁に統一してください',
      model: { provider: 'anthropic', modelName: 'claude-sonnet-4-5' },
    });
    expect(message.split('\n')[0]).toBe('fix: formatPrice が常に小数点以下2桁を表示するように修正しました');
    expect(message).toContain(
      'Co-authored-by: claude-sonnet-4-5 (anthropic) <claude-sonnet-4-5.anthropic@models.goosuke.invalid>',
    );
    expect(
      composeCommitMessage({ summary: 'Add x', instruction: '', model, runId: 'run_1' }).endsWith(
        '<gpt-4.1.openai@models.goosuke.invalid>\nGoosuke-Run: run_1\n',
      ),
    ).toBe(true);
    const added = composeCommitMessage({
      summary: '',
      instruction: 'ログイン画面に「パスワードを忘れた」リンクを追加',
      model,
    });
    expect(added.split('\n')[0]).toBe('feat: ログイン画面に「パスワードを忘れた」リンクを追加');
  });

  it('falls back to the instruction, keeps a header already conventional, and types by keywords', () => {
    expect(
      composeCommitMessage({ summary: '', instruction: 'Add a --json flag to list', model }).split('\n')[0],
    ).toBe('feat: add a --json flag to list');
    expect(
      composeCommitMessage({
        summary: 'refactor(cli): split the run command',
        instruction: 'x',
        model,
      }).split('\n')[0],
    ).toBe('refactor(cli): split the run command');
    const types = [
      ['Update the README with install steps', 'docs'],
      ['Cover the parser with tests', 'test'],
      ['Rename greet to sayHello', 'refactor'],
      ['Speed up the cache lookups', 'perf'],
      ['Bump the copyright year', 'chore'],
    ] as const;
    for (const [summary, type] of types) {
      expect(composeCommitMessage({ summary, instruction: '', model }).startsWith(`${type}: `), summary).toBe(
        true,
      );
    }
    expect(composeCommitMessage({ summary: 'Added a retry to the fetch.', instruction: '', model })).toMatch(
      /^feat: add a retry to the fetch\n/,
    );
    // Acronyms keep their capitals.
    expect(composeCommitMessage({ summary: 'API keys are now write-only', instruction: '', model })).toMatch(
      /^chore: API keys/,
    );
  });

  it('cuts a long header at a word boundary, CJK by characters, and strips control characters', () => {
    const long = composeCommitMessage({
      summary: `Add ${'very '.repeat(30)}long feature`,
      instruction: '',
      model,
    });
    const header = long.split('\n')[0]!;
    expect([...header].length).toBeLessThanOrEqual(commitHeaderMaxLength);
    expect(header.endsWith('…')).toBe(true);
    expect(header).not.toMatch(/ …$/);
    const cjk = composeCommitMessage({
      summary: `機能を追加${'あ'.repeat(100)}`,
      instruction: '',
      model,
    }).split('\n')[0]!;
    expect([...cjk].length).toBe(commitHeaderMaxLength);
    const dirty = composeCommitMessage({ summary: 'Fix\u0007 the bell\u001b[31m', instruction: '', model });
    expect(dirty.includes('\u0007') || dirty.includes('\u001b')).toBe(false);
    expect(composeCommitMessage({ summary: '\n\n', instruction: '\n', model }).split('\n')[0]).toBe(
      'chore: apply the requested change',
    );
  });
});
