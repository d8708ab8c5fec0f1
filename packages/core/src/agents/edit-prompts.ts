import type { Message } from '../domain/index.ts';
import { type EditFormat, formatApplyFailure, type HunkFailure, type ParseProblem } from '../edits/index.ts';
import type { ChatMessage } from '../ports/index.ts';
import type { GatheredContext } from './context/select-context.ts';

/** The project the edit-format examples work on: one file before the example edits. */
export const editExampleFiles: Readonly<Record<string, string>> = Object.freeze({
  'src/greet.ts': "export function greet(name: string): string {\n  return 'Hello ' + name;\n}\n",
});

const exampleSummary =
  'The greeting now ends with an exclamation mark, and a new `farewell` function sits beside it.';

/**
 * One example reply per edit format, as the system prompt shows it: a summary, then edits that
 * change `src/greet.ts` of {@link editExampleFiles} and create `src/farewell.ts`. Each parses
 * with `parseEdits` and applies cleanly (a test checks it).
 */
export const editFormatExamples: Readonly<Record<EditFormat, string>> = Object.freeze({
  'search-replace': [
    exampleSummary,
    '',
    'src/greet.ts',
    '```ts',
    '<<<<<<< SEARCH',
    "  return 'Hello ' + name;",
    '=======',
    "  return 'Hello, ' + name + '!';",
    '>>>>>>> REPLACE',
    '```',
    '',
    'src/farewell.ts',
    '```ts',
    '<<<<<<< SEARCH',
    '=======',
    'export function farewell(name: string): string {',
    "  return 'Goodbye, ' + name + '!';",
    '}',
    '>>>>>>> REPLACE',
    '```',
  ].join('\n'),
  'unified-diff': [
    exampleSummary,
    '',
    '```diff',
    '--- a/src/greet.ts',
    '+++ b/src/greet.ts',
    '@@ -1,3 +1,3 @@',
    ' export function greet(name: string): string {',
    "-  return 'Hello ' + name;",
    "+  return 'Hello, ' + name + '!';",
    ' }',
    '--- /dev/null',
    '+++ b/src/farewell.ts',
    '@@ -0,0 +1,3 @@',
    '+export function farewell(name: string): string {',
    "+  return 'Goodbye, ' + name + '!';",
    '+}',
    '```',
  ].join('\n'),
  'apply-patch': [
    exampleSummary,
    '',
    '*** Begin Patch',
    '*** Update File: src/greet.ts',
    '@@',
    ' export function greet(name: string): string {',
    "-  return 'Hello ' + name;",
    "+  return 'Hello, ' + name + '!';",
    ' }',
    '*** Add File: src/farewell.ts',
    '+export function farewell(name: string): string {',
    "+  return 'Goodbye, ' + name + '!';",
    '+}',
    '*** End Patch',
  ].join('\n'),
  'whole-file': [
    exampleSummary,
    '',
    'src/greet.ts',
    '```ts',
    'export function greet(name: string): string {',
    "  return 'Hello, ' + name + '!';",
    '}',
    '```',
    '',
    'src/farewell.ts',
    '```ts',
    'export function farewell(name: string): string {',
    "  return 'Goodbye, ' + name + '!';",
    '}',
    '```',
  ].join('\n'),
});

const formatNames: Readonly<Record<EditFormat, string>> = {
  'search-replace': 'SEARCH/REPLACE blocks',
  'unified-diff': 'a unified diff',
  'apply-patch': 'an apply_patch envelope',
  'whole-file': 'whole files',
};

const formatRules: Readonly<Record<EditFormat, string[]>> = {
  'search-replace': [
    'Write each change as a SEARCH/REPLACE block: the file path alone on a line, then a fenced block holding `<<<<<<< SEARCH`, the exact lines to find, `=======`, the lines to put in their place, and `>>>>>>> REPLACE`.',
    'The SEARCH lines must match the current file exactly, character for character, including indentation, comments and blank lines. Include just enough lines to match one place only.',
    'Use several blocks for several changes, in the order they appear in the file; repeat the path line before each block.',
    'To create a file, leave the SEARCH section empty and put the whole new file in the REPLACE section.',
    'Files cannot be deleted in this format: say in your summary which files should go.',
  ],
  'unified-diff': [
    'Write all changes as one unified diff (as `diff -u` or `git diff` prints it) in a ```diff fenced block: for each file a `--- a/path` and a `+++ b/path` line, then hunks.',
    'Each hunk starts with an `@@ -a,b +c,d @@` line, then lines starting with a space (unchanged context), `-` (removed) or `+` (added). Context and removed lines must match the current file exactly, including indentation. Give about three lines of context around each change.',
    'Line numbers in `@@` headers are only hints: hunks are located by their content.',
    'To create a file, use `--- /dev/null` and `+++ b/path` with every line added; to delete one, `--- a/path` and `+++ /dev/null` with every line removed.',
  ],
  'apply-patch': [
    'Write all changes as one apply_patch envelope: `*** Begin Patch`, one section per file, then `*** End Patch`. Do not put the envelope in a fenced block.',
    '`*** Update File: path` changes a file: hunks of lines starting with a space (unchanged context), `-` (removed) or `+` (added), each hunk introduced by `@@` or by `@@ ` followed by a line that stands above the change (a function or class header) to say where it is. Context and removed lines must match the current file exactly, including indentation. Give about three lines of context around each change.',
    '`*** Add File: path` creates a file: every line of it prefixed with `+`. `*** Delete File: path` deletes one. `*** Move to: new/path` right after an Update File line renames the file.',
  ],
  'whole-file': [
    'For each file you change or create, write the file path alone on a line, then a fenced block holding the complete new content of the file.',
    'Always write the whole file, from its first line to its last. Never leave code out or replace it with a comment such as "... rest unchanged": whatever is not in the block is deleted.',
    'Only write the files you change. Files cannot be deleted in this format: say in your summary which files should go.',
  ],
};

/** The part of the system prompt that teaches one edit format: its rules and the example reply. */
export function editFormatGuide(format: EditFormat): string {
  return [
    `Edit format: ${formatNames[format]}. Use this format only.`,
    ...formatRules[format].map((rule) => `- ${rule}`),
    '',
    'Example: a reply to "end the greeting with an exclamation mark and add a farewell function", where src/greet.ts was:',
    '',
    ...Object.entries(editExampleFiles).flatMap(([path, content]) =>
      renderFileBlock(path, content).split('\n'),
    ),
    '',
    'The reply:',
    '',
    editFormatExamples[format],
  ].join('\n');
}

/** Options of {@link buildSystemPrompt}. */
export interface SystemPromptOptions {
  format: EditFormat;
  forbiddenPaths: readonly string[];
}

/**
 * The edit agent's system prompt: the rules (change only what is needed, work from the files
 * as shown, never touch forbidden paths, summary first and then the edits) and one edit format
 * with an example.
 */
export function buildSystemPrompt(options: SystemPromptOptions): string {
  const forbidden =
    options.forbiddenPaths.length === 0
      ? []
      : [
          `- Never create, change, rename or delete paths matching these patterns; such edits are refused: ${options.forbiddenPaths.join(', ')}.`,
        ];
  return [
    "You are a careful software engineer working in a git repository. You carry out the user's instruction by editing files; your edits are applied automatically and committed, and you cannot run commands.",
    '',
    'Rules:',
    '- Change only what the instruction needs: no unrelated refactoring, reformatting or renaming. Follow the style of the surrounding code.',
    '- The files shown in the latest message are the current state of the repository, including every change made for earlier messages of this conversation. Base every edit on them exactly as shown, not on earlier versions.',
    '- Files listed by name only exist but are not shown. Prefer changing files that are shown.',
    ...forbidden,
    '- Reply with a short summary of what you change and why (a few sentences of plain prose), then the edits, and nothing after them.',
    '',
    editFormatGuide(options.format),
  ].join('\n');
}

/** A file as the prompt shows it: the path alone on a line, then the content in a fence longer than any backtick run inside. */
export function renderFileBlock(path: string, content: string): string {
  const longestRun = Math.max(0, ...[...content.matchAll(/`+/g)].map((match) => match[0].length));
  const fence = '`'.repeat(Math.max(3, longestRun + 1));
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  const language = dot > 0 ? name.slice(dot + 1) : '';
  const body = content.endsWith('\n') || content === '' ? content : `${content}\n`;
  return `${path}\n${fence}${language}\n${body}${fence}`;
}

/** Options of {@link buildContextMessage}. */
export interface ContextMessageOptions {
  context: Pick<GatheredContext, 'files' | 'tree'>;
  instruction: string;
  /** Whether the conversation has earlier turns (the files then hold their changes). */
  hasEarlierTurns: boolean;
}

/**
 * The final user message: a statement that the files are the current state, the files in full,
 * the tree of the other files, then the instruction.
 */
export function buildContextMessage(options: ContextMessageOptions): string {
  const { files, tree } = options.context;
  const state = options.hasEarlierTurns
    ? 'The files below are the current state of the repository, including the changes made for the earlier messages of this conversation.'
    : 'The files below are the current state of the repository.';
  const parts = [state, ''];
  if (files.length > 0) {
    parts.push('Files shown in full:', '');
    for (const file of files) parts.push(renderFileBlock(file.path, file.content), '');
  } else parts.push('No file is shown in full.', '');
  if (tree !== '') {
    parts.push(
      'Other files of the repository, names only (one line per directory, `dir/: a, b`; `dir/ (N files)` is a directory not listed):',
      tree,
      '',
    );
  }
  parts.push('Instruction:', options.instruction);
  return parts.join('\n');
}

/**
 * The conversation as chat messages, oldest first, ending with `finalUserMessage` in place of
 * the current user message (the last entry of `history` when it is a user message). System
 * messages become user notes; empty messages are dropped; consecutive messages of one role are
 * merged (several providers require turns to alternate); a conversation that would start with
 * an assistant message gets a short user message first.
 */
export function toChatMessages(history: readonly Message[], finalUserMessage: string): ChatMessage[] {
  const earlier = history.at(-1)?.role === 'user' ? history.slice(0, -1) : history;
  const turns: Array<{ role: 'user' | 'assistant'; content: string }> = [];
  const push = (role: 'user' | 'assistant', content: string): void => {
    const last = turns.at(-1);
    if (last?.role === role) last.content = `${last.content}\n\n${content}`;
    else turns.push({ role, content });
  };
  for (const message of earlier) {
    if (message.content.trim() === '') continue;
    if (message.role === 'system') push('user', `(Note: ${message.content})`);
    else push(message.role, message.content);
  }
  if (turns[0]?.role === 'assistant') turns.unshift({ role: 'user', content: '(The conversation so far:)' });
  push('user', finalUserMessage);
  return turns.map((turn) => ({ role: turn.role, content: turn.content }));
}

/** How an attempt's reply fell short, for {@link buildRetryMessage}. */
export interface RetryReason {
  format: EditFormat;
  /** The reply hit the output limit. */
  cutOff: boolean;
  maxOutputTokens: number;
  /** The reply held no readable edit. */
  noEdits: boolean;
  /** Parts of the reply that looked like edits but could not be read. */
  problems: readonly ParseProblem[];
  /** Edits that did not apply (empty when none were tried). */
  failures: readonly HunkFailure[];
}

const matchAdvice: Readonly<Record<EditFormat, string>> = {
  'search-replace':
    'every SEARCH section copied exactly from the current file (indentation and blank lines included) and long enough to match one place only',
  'unified-diff':
    'every context and removed line copied exactly from the current file (indentation included) and enough context to match one place only',
  'apply-patch':
    'every context and removed line copied exactly from the current file (indentation included) and enough context to match one place only',
  'whole-file': 'every file complete, from its first line to its last',
};

/**
 * The user message that asks for another attempt: what went wrong, precisely (each apply
 * failure through `formatApplyFailure`, with the closest region of the file and its line
 * numbers), that nothing was applied, and that the complete set of edits must be sent again.
 */
export function buildRetryMessage(reason: RetryReason): string {
  const parts: string[] = [];
  if (reason.cutOff) {
    parts.push(
      `Your reply was cut off at the output limit (${reason.maxOutputTokens} tokens) before it was complete, so nothing was applied. Send fewer and smaller edits: only the lines that change, with a little context, and a shorter summary.`,
    );
  }
  if (reason.noEdits) {
    parts.push(
      `Your reply contained no edits that could be read, so nothing was changed. Reply with a short summary, then the edits as ${formatNames[reason.format]}, exactly as the system prompt describes.`,
    );
  }
  if (reason.problems.length > 0) {
    parts.push(
      [
        reason.noEdits || reason.cutOff
          ? 'These parts of your reply looked like edits but could not be read:'
          : 'These parts of your reply looked like edits but could not be read, so nothing was applied:',
        ...reason.problems.map(
          (problem) =>
            `- line ${problem.line}${problem.path ? ` (${problem.path})` : ''}: ${problem.message}`,
        ),
      ].join('\n'),
    );
  }
  if (reason.failures.length > 0) {
    parts.push(
      'Your edits could not be applied, so none of them was applied: the files are still exactly as shown before.',
      ...reason.failures.map(formatApplyFailure),
    );
    if (reason.failures.some((failure) => failure.reason === 'forbidden-path')) {
      parts.push('Forbidden paths must not be edited at all: leave those edits out.');
    }
    if (reason.failures.some((failure) => failure.reason === 'path-escape')) {
      parts.push('Use paths relative to the repository root, inside it.');
    }
  }
  if (!reason.noEdits) {
    parts.push(
      `Send the complete set of edits again, all of them (also those that had no problem), as ${formatNames[reason.format]}, with ${matchAdvice[reason.format]}.`,
    );
  }
  return parts.join('\n\n');
}
