import { describe, expect, it } from 'vitest';
import { applyEdits, defaultForbiddenPaths, type EditFormat, parseEdits } from '../edits/index.ts';
import { buildMessage } from '../testing/index.ts';
import {
  buildContextMessage,
  buildRetryMessage,
  buildSystemPrompt,
  editExampleFiles,
  editFormatExamples,
  editFormatGuide,
  renderFileBlock,
  toChatMessages,
} from './edit-prompts.ts';
import { extractSummary } from './reply-summary.ts';

const formats: EditFormat[] = ['search-replace', 'unified-diff', 'apply-patch', 'whole-file'];

const markers: Record<EditFormat, string> = {
  'search-replace': '<<<<<<< SEARCH',
  'unified-diff': '+++ b/',
  'apply-patch': '*** Begin Patch',
  'whole-file': 'complete new content',
};

describe('edit format examples', () => {
  it.each(formats)(
    'the %s example parses in its own format and applies to the example files',
    async (format) => {
      const example = editFormatExamples[format];
      const parsed = parseEdits(example);
      expect(parsed.problems).toEqual([]);
      expect(parsed.formats).toEqual([format]);
      expect(parsed.edits.map((edit) => edit.path)).toEqual(['src/greet.ts', 'src/farewell.ts']);
      const result = await applyEdits({
        edits: parsed.edits,
        readFile: async (path) => editExampleFiles[path] ?? null,
      });
      expect(result.ok).toBe(true);
      if (!result.ok) return;
      expect(result.files.flatMap((file) => file.hunks.map((hunk) => hunk.tier))).not.toContain('fuzzy');
      expect(Object.fromEntries(result.changes.map((change) => [change.path, change.content]))).toEqual({
        'src/greet.ts':
          "export function greet(name: string): string {\n  return 'Hello, ' + name + '!';\n}\n",
        'src/farewell.ts':
          "export function farewell(name: string): string {\n  return 'Goodbye, ' + name + '!';\n}\n",
      });
      expect(extractSummary(example)).toBe(
        'The greeting now ends with an exclamation mark, and a new `farewell` function sits beside it.',
      );
    },
  );

  it.each(formats)('the %s system prompt describes that format only, with its example', (format) => {
    const system = buildSystemPrompt({ format, forbiddenPaths: defaultForbiddenPaths });
    expect(system).toContain(editFormatGuide(format));
    expect(system).toContain(editFormatExamples[format]);
    expect(system).toContain(markers[format]);
    for (const other of formats) {
      if (other !== format) expect(system).not.toContain(markers[other]);
    }
    // The whole system prompt, example included, reads as the example's edits only.
    const parsed = parseEdits(system);
    expect(parsed.problems).toEqual([]);
    expect(parsed.formats).toContain(format);
  });

  it('states the rules and lists the forbidden paths', () => {
    const system = buildSystemPrompt({ format: 'search-replace', forbiddenPaths: ['.env*', 'secrets/**'] });
    expect(system).toContain('Change only what the instruction needs');
    expect(system).toContain('current state of the repository');
    expect(system).toContain('.env*, secrets/**');
    expect(system).toContain('short summary');
    expect(buildSystemPrompt({ format: 'whole-file', forbiddenPaths: [] })).not.toContain(
      'Never create, change',
    );
  });
});

describe('renderFileBlock', () => {
  it('fences a file with its path above and a fence longer than any backtick run inside', () => {
    expect(renderFileBlock('src/a.ts', 'const a = 1;\n')).toBe('src/a.ts\n```ts\nconst a = 1;\n```');
    expect(renderFileBlock('README', 'text')).toBe('README\n```\ntext\n```');
    const markdown = 'Intro\n````js\ncode\n````\n';
    expect(renderFileBlock('doc.md', markdown)).toBe(`doc.md\n\`\`\`\`\`md\n${markdown}\`\`\`\`\``);
  });
});

describe('buildContextMessage', () => {
  it('says the files are the current state, shows them, lists the others, then the instruction', () => {
    const text = buildContextMessage({
      context: {
        files: [{ path: 'src/a.ts', content: 'a\n', reason: 'path mentioned' }],
        tree: 'src/: b.ts',
      },
      instruction: 'Rename a to b',
      hasEarlierTurns: true,
    });
    expect(text).toBe(
      [
        'The files below are the current state of the repository, including the changes made for the earlier messages of this conversation.',
        '',
        'Files shown in full:',
        '',
        'src/a.ts',
        '```ts',
        'a',
        '```',
        '',
        'Other files of the repository, names only (one line per directory, `dir/: a, b`; `dir/ (N files)` is a directory not listed):',
        'src/: b.ts',
        '',
        'Instruction:',
        'Rename a to b',
      ].join('\n'),
    );
    const first = buildContextMessage({
      context: { files: [], tree: '' },
      instruction: 'x',
      hasEarlierTurns: false,
    });
    expect(first).toBe(
      'The files below are the current state of the repository.\n\nNo file is shown in full.\n\nInstruction:\nx',
    );
  });
});

describe('toChatMessages', () => {
  it('keeps earlier turns in order and replaces the current user message with the final one', () => {
    const history = [
      buildMessage({ role: 'user', content: 'Add a cart' }),
      buildMessage({ role: 'assistant', content: 'Added src/cart.ts' }),
      buildMessage({ role: 'user', content: 'Now add a total' }),
    ];
    expect(toChatMessages(history, 'FINAL')).toEqual([
      { role: 'user', content: 'Add a cart' },
      { role: 'assistant', content: 'Added src/cart.ts' },
      { role: 'user', content: 'FINAL' },
    ]);
    expect(toChatMessages([], 'FINAL')).toEqual([{ role: 'user', content: 'FINAL' }]);
  });

  it('merges turns of one role, turns system messages into notes and never starts with the assistant', () => {
    const history = [
      buildMessage({ role: 'assistant', content: 'Hello' }),
      buildMessage({ role: 'system', content: 'run 2 failed' }),
      buildMessage({ role: 'user', content: 'try again' }),
      buildMessage({ role: 'assistant', content: '  ' }),
      buildMessage({ role: 'user', content: 'current' }),
    ];
    expect(toChatMessages(history, 'FINAL')).toEqual([
      { role: 'user', content: '(The conversation so far:)' },
      { role: 'assistant', content: 'Hello' },
      { role: 'user', content: '(Note: run 2 failed)\n\ntry again\n\nFINAL' },
    ]);
  });
});

describe('buildRetryMessage', () => {
  it('reports cut-off replies, unreadable parts and apply failures, and asks for the complete set again', () => {
    const text = buildRetryMessage({
      format: 'search-replace',
      cutOff: true,
      maxOutputTokens: 8_000,
      noEdits: false,
      problems: [{ line: 12, message: 'SEARCH block without its ======= divider', path: 'src/a.ts' }],
      failures: [
        {
          path: '.env',
          editIndex: 1,
          hunkIndex: null,
          reason: 'forbidden-path',
          message: 'the path ".env" is forbidden (matches ".env*")',
          expected: [],
          closest: null,
        },
      ],
    });
    expect(text).toContain('cut off at the output limit (8000 tokens)');
    expect(text).toContain('fewer and smaller edits');
    expect(text).toContain('- line 12 (src/a.ts): SEARCH block without its ======= divider');
    expect(text).toContain('.env: forbidden-path\n  the path ".env" is forbidden');
    expect(text).toContain('none of them was applied');
    expect(text).toContain('Forbidden paths must not be edited at all');
    expect(text).toContain('Send the complete set of edits again');
  });

  it('asks for edits when the reply had none', () => {
    const text = buildRetryMessage({
      format: 'apply-patch',
      cutOff: false,
      maxOutputTokens: 100,
      noEdits: true,
      problems: [],
      failures: [],
    });
    expect(text).toBe(
      'Your reply contained no edits that could be read, so nothing was changed. Reply with a short summary, then the edits as an apply_patch envelope, exactly as the system prompt describes.',
    );
  });
});
