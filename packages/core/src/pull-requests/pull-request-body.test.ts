import { describe, expect, it } from 'vitest';
import {
  type ComparedRun,
  composePullRequestBody,
  ownedBlockEnd,
  ownedBlockStart,
  renderOwnedBlock,
  replaceOwnedBlock,
} from './pull-request-body.ts';

const runs: ComparedRun[] = [
  {
    label: 'openai:gpt-4.1',
    status: 'succeeded',
    filesChanged: 1,
    added: 3,
    removed: 1,
    durationMs: 12_400,
    inputTokens: 5000,
    outputTokens: 300,
    costUsd: 0.0124,
    chosen: true,
  },
  {
    label: 'google:gemini|2.5',
    status: 'failed',
    filesChanged: 0,
    added: 0,
    removed: 0,
    durationMs: 800,
    inputTokens: 4000,
    outputTokens: 0,
    costUsd: null,
    chosen: false,
  },
];

describe('the owned block', () => {
  it('is deterministic and says what was asked, what was compared and what was chosen, and why', () => {
    const input = {
      conversation: [
        { role: 'user', content: 'Make formatPrice show two decimals\nsecond line is dropped' },
        { role: 'assistant', content: 'Done <!-- sneaky --> in formatPrice' },
      ],
      runs,
      reason: 'the fewest edit retries, then the smallest diff',
      summary: 'formatPrice now always shows two decimals.',
      modelSummary: null,
    };
    const block = renderOwnedBlock(input);
    expect(renderOwnedBlock(input)).toBe(block);
    expect(block.startsWith(ownedBlockStart)).toBe(true);
    expect(block.endsWith(ownedBlockEnd)).toBe(true);
    expect(block).toContain(
      '**Chosen run:** openai:gpt-4.1 (the fewest edit retries, then the smallest diff)',
    );
    expect(block).toContain('- **user**: Make formatPrice show two decimals');
    expect(block).not.toContain('second line is dropped');
    // A message cannot close the block early.
    expect(block.indexOf('-->')).toBe(block.indexOf(ownedBlockStart) + ownedBlockStart.length - 3);
    expect(block).toContain(
      '| **openai:gpt-4.1** ✓ | succeeded | 1 | +3 −1 | 12.4 s | 5000 / 300 | $0.0124 |',
    );
    expect(block).toContain('| google:gemini\\|2.5 | failed | 0 | +0 −0 | 800 ms | 4000 / 0 | — |');
    expect(block).toContain('> formatPrice now always shows two decimals.');
    expect(renderOwnedBlock({ ...input, modelSummary: 'A short summary by a model.' })).toContain(
      '## Goosuke\n\nA short summary by a model.\n',
    );
  });

  it('quotes only the last ten messages and says how many are not shown', () => {
    const conversation = Array.from({ length: 14 }, (_, index) => ({
      role: 'user',
      content: `message ${index}`,
    }));
    const block = renderOwnedBlock({ conversation, runs: [], reason: 'r', summary: '' });
    expect(block).toContain('_4 earlier messages not shown._');
    expect(block).not.toContain('message 3\n');
    expect(block).toContain('message 13');
  });
});

describe('the pull request body', () => {
  const block = renderOwnedBlock({ conversation: [], runs, reason: 'picked', summary: 'v1' });

  it("puts the repository's template first, then the block", () => {
    expect(composePullRequestBody({ template: '## Checklist\r\n- [ ] tests\r\n\r\n', block })).toBe(
      `## Checklist\n- [ ] tests\n\n${block}\n`,
    );
    expect(composePullRequestBody({ template: null, block })).toBe(`${block}\n`);
  });

  it('replaces only the block on regeneration and keeps every edit made outside it', () => {
    const body = composePullRequestBody({ template: '## Checklist\n- [ ] tests', block });
    const edited = `${body.replace('- [ ] tests', '- [x] tests')}\nReviewer note: ship it.\n`;
    const next = renderOwnedBlock({ conversation: [], runs, reason: 'picked', summary: 'v2' });
    const regenerated = replaceOwnedBlock(edited, next);
    expect(regenerated).toContain('- [x] tests');
    expect(regenerated).toContain('Reviewer note: ship it.');
    expect(regenerated).toContain('> v2');
    expect(regenerated).not.toContain('> v1');
    expect(regenerated.replace(next, '')).toBe(edited.replace(block, ''));
  });

  it('appends the block when someone removed its markers, dropping nothing they wrote', () => {
    const next = renderOwnedBlock({ conversation: [], runs: [], reason: 'r', summary: 'new' });
    expect(replaceOwnedBlock('My own description.', next)).toBe(`My own description.\n\n${next}\n`);
    const broken = `Intro\n${ownedBlockStart}\nhalf a block`;
    expect(replaceOwnedBlock(broken, next)).toBe(`${broken}\n\n${next}\n`);
    expect(replaceOwnedBlock('', next)).toBe(`${next}\n`);
  });
});
