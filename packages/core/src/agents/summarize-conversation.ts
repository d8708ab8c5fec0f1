import { InvalidInputError } from '../errors/index.ts';
import type { GenerateOptions, LanguageModel, TokenUsage } from '../ports/language-model.ts';
import { dataBlockNotice } from '../triggers/render-template.ts';
import { estimateTokens } from './context/token-estimate.ts';

/** One message of the conversation to summarize, oldest first. */
export interface ConversationMessage {
  /** Display name of the writer. */
  author: string;
  text: string;
  /** When it was written, as the caller wants it shown (e.g. an ISO timestamp). */
  at?: string;
  /** The author (or a short quote) of the message this one answers. */
  replyTo?: string;
}

/** The language of a summary: Japanese, English, or the conversation's own language. */
export type SummaryLanguage = 'ja' | 'en' | 'auto';

/** Input of {@link summarizeConversation}. */
export interface SummarizeConversationInput {
  model: LanguageModel;
  /**
   * The conversation, oldest first. Messages with blank text are skipped. Give either this or
   * `transcript`.
   */
  messages?: ReadonlyArray<ConversationMessage>;
  /**
   * The conversation as {@link formatConversation} writes it (one message per line, continuation
   * lines indented), for callers that received it as text, e.g. a template parameter. Lines that
   * start at column 0 begin a message; blank lines are skipped.
   */
  transcript?: string;
  language: SummaryLanguage;
  /**
   * Most estimated tokens (one per four characters) of conversation or notes sent in one call.
   * Default: a quarter of the model's context window, at most 24,000. At least
   * {@link minimumChunkTokens}.
   */
  maxChunkTokens?: number;
  signal?: AbortSignal;
  /**
   * Called after each model call with the calls done and the calls expected. `total` may grow
   * when the chunk notes are too long for one merge call and are merged in rounds.
   */
  onProgress?: (done: number, total: number) => void;
}

/** What {@link summarizeConversation} produced. */
export interface ConversationSummary {
  /** The summary in four sections: summary, decisions, action items, open questions. */
  text: string;
  /** Usage summed over every call. */
  usage: TokenUsage;
  /** Model calls made. */
  calls: number;
  /** Chunks the conversation was split into (1 when it fit in one call). */
  chunks: number;
}

/** The smallest `maxChunkTokens` accepted: below it a cut message would be mostly its marker. */
export const minimumChunkTokens = 50;

/** The default chunk budget's ceiling, so one call stays cheap and well within any window. */
const defaultChunkCeiling = 24_000;

/** The section headings per fixed language, in output order. */
export const summaryHeadings = {
  ja: ['要約', '決定事項', 'アクションアイテム', '未解決の質問'],
  en: ['Summary', 'Decisions', 'Action items', 'Open questions'],
} as const satisfies Record<Exclude<SummaryLanguage, 'auto'>, readonly string[]>;

const system = [
  "You are Goosuke's conversation summarizer. You summarize chat conversations faithfully and",
  'concisely: never invent facts, names, decisions or owners that the material does not state.',
  dataBlockNotice,
].join(' ');

function neutralise(value: string): string {
  // Any closing tag inside (`</data`, `< / DATA`, …) gets its slash escaped, so the block ends only where we end it.
  return value.replace(/<\s*\/\s*data/gi, (match) => match.replace('/', '\\/'));
}

function dataBlock(name: string, lines: string): string {
  return `<data name="${name}">\n${neutralise(lines)}\n</data>`;
}

/** Headers (time, author, reply) are one line each so message boundaries stay unambiguous. */
function oneLine(value: string): string {
  return value.replace(/\s+/g, ' ').trim();
}

function header(message: ConversationMessage, cut?: { part: number; parts: number }): string {
  const at = message.at === undefined || oneLine(message.at) === '' ? '' : `[${oneLine(message.at)}] `;
  const author = oneLine(message.author) || '(unknown)';
  const reply =
    message.replyTo === undefined || oneLine(message.replyTo) === ''
      ? ''
      : ` (reply to ${oneLine(message.replyTo)})`;
  const marker = cut === undefined ? '' : ` [message cut: part ${cut.part} of ${cut.parts}]`;
  return `${at}${author}${reply}${marker}: `;
}

/** Later lines of a multi-line message are indented, so only headers start at column 0. */
function body(text: string): string {
  return text.trim().replace(/\r\n?/g, '\n').replace(/\n/g, '\n  ');
}

/**
 * Renders one message as lines that each fit `maxChars` when possible; a message too long for
 * one chunk becomes several lines marked as cut parts.
 */
function renderMessage(message: ConversationMessage, maxChars: number): string[] {
  const whole = `${header(message)}${body(message.text)}`;
  if (whole.length <= maxChars) return [whole];
  const text = body(message.text);
  // The marker's length depends on the part count; size pieces for a generous count first.
  const room = (parts: number): number =>
    Math.max(16, maxChars - header(message, { part: parts, parts }).length);
  let parts = Math.ceil(text.length / room(999_999));
  parts = Math.ceil(text.length / room(parts));
  const size = room(parts);
  const pieces: string[] = [];
  // Cut by code units but never inside a surrogate pair.
  for (let start = 0; start < text.length; ) {
    let end = Math.min(text.length, start + size);
    const last = text.charCodeAt(end - 1);
    if (end < text.length && last >= 0xd800 && last <= 0xdbff) end--;
    pieces.push(text.slice(start, end));
    start = end;
  }
  return pieces.map(
    (piece, index) => `${header(message, { part: index + 1, parts: pieces.length })}${piece}`,
  );
}

/** Splits a transcript into its messages: a line at column 0 starts one, indented lines continue it. */
function transcriptEntries(transcript: string): string[] {
  const entries: string[] = [];
  for (const line of transcript.replace(/\r\n?/g, '\n').split('\n')) {
    if (line.trim() === '') continue;
    if (/^\s/.test(line) && entries.length > 0) entries[entries.length - 1] += `\n${line}`;
    else entries.push(line.trim());
  }
  return entries;
}

/** Cuts one transcript entry that is longer than a chunk into marked parts. */
function cutEntry(entry: string, maxChars: number): string[] {
  if (entry.length <= maxChars) return [entry];
  return renderMessage({ author: '(continued)', text: entry }, maxChars);
}

/**
 * Writes a conversation as text, one message per line as `[at] author (reply to …): text`, later
 * lines of a message indented by two spaces: the form {@link summarizeConversation} sends and
 * reads back from `transcript`. Messages with blank text are left out.
 */
export function formatConversation(messages: ReadonlyArray<ConversationMessage>): string {
  return messages
    .filter((message) => message.text.trim() !== '')
    .map((message) => `${header(message)}${body(message.text)}`)
    .join('\n');
}

/** Greedily packs lines, in order, into chunks of at most `maxTokens` estimated tokens. */
function pack(lines: readonly string[], maxTokens: number): string[] {
  const chunks: string[] = [];
  let current = '';
  for (const line of lines) {
    const joined = current === '' ? line : `${current}\n${line}`;
    if (current !== '' && estimateTokens(joined) > maxTokens) {
      chunks.push(current);
      current = line;
    } else {
      current = joined;
    }
  }
  if (current !== '') chunks.push(current);
  return chunks;
}

function languageInstruction(language: SummaryLanguage): string {
  if (language === 'ja') return 'Write in Japanese.';
  if (language === 'en') return 'Write in English.';
  return 'Write in the language most of the conversation is written in, including the headings (translate them into that language).';
}

function headingList(language: SummaryLanguage): readonly string[] {
  return language === 'ja' ? summaryHeadings.ja : summaryHeadings.en;
}

function formatInstruction(language: SummaryLanguage): string {
  const [summary, decisions, actions, questions] = headingList(language);
  const none = language === 'ja' ? 'なし' : 'None';
  return [
    'Use exactly these four Markdown sections, in this order:',
    `## ${summary} — a few sentences on what the conversation is about and where it ended.`,
    `## ${decisions} — a bullet per decision that was made.`,
    `## ${actions} — a bullet per task, with its owner (who agreed or was asked to do it; "owner unclear" when nobody was named).`,
    `## ${questions} — a bullet per question or issue left unresolved.`,
    `A section with nothing in it says so in one word ("${none}"${language === 'auto' ? ', in the output language' : ''}).`,
    languageInstruction(language),
  ].join('\n');
}

function chunkPrompt(language: SummaryLanguage, chunk: string, index: number, count: number): string {
  return [
    `Below is part ${index + 1} of ${count} of a chat conversation, one message per line as "[time] author: text" (continuation lines are indented; a message marked "message cut" continues in the next part).`,
    'Write notes on this part only, to be merged later with the notes on the other parts. Keep every decision, action item (with its owner) and open question it holds; a question answered later may be resolved in another part.',
    formatInstruction(language),
    '',
    dataBlock('conversation', chunk),
  ].join('\n');
}

function wholePrompt(language: SummaryLanguage, conversation: string): string {
  return [
    'Below is a chat conversation, one message per line as "[time] author: text" (continuation lines are indented).',
    'Summarize it.',
    formatInstruction(language),
    '',
    dataBlock('conversation', conversation),
  ].join('\n');
}

function mergePrompt(language: SummaryLanguage, notes: readonly string[], final: boolean): string {
  return [
    `Below are notes on consecutive parts of one chat conversation, in order, one <data> block per part.`,
    final
      ? 'Merge them into one summary of the whole conversation: drop duplicates, keep the latest state of each decision, and remove open questions that a later part answered.'
      : 'Merge them into one set of notes on these parts together, to be merged again later: drop duplicates but keep every decision, action item (with its owner) and open question.',
    formatInstruction(language),
    '',
    notes.map((note, index) => dataBlock(`notes-${index + 1}`, note.trim())).join('\n\n'),
  ].join('\n');
}

/** Groups notes for one merge round: consecutive, within budget, and never a group of one unless alone. */
function groupNotes(notes: readonly string[], maxTokens: number): string[][] {
  const groups: string[][] = [];
  let current: string[] = [];
  let tokens = 0;
  for (const note of notes) {
    const cost = estimateTokens(note) + 10;
    // A group of at least two always shrinks the list, so the rounds end even when single notes are huge.
    if (current.length >= 2 && tokens + cost > maxTokens) {
      groups.push(current);
      current = [];
      tokens = 0;
    }
    current.push(note);
    tokens += cost;
  }
  if (current.length === 1 && groups.length > 0) groups[groups.length - 1]!.push(current[0]!);
  else if (current.length > 0) groups.push(current);
  return groups;
}

function notesTokens(notes: readonly string[]): number {
  return notes.reduce((sum, note) => sum + estimateTokens(note) + 10, 0);
}

function validBudget(input: SummarizeConversationInput): number {
  if (input.maxChunkTokens === undefined) {
    return Math.max(
      minimumChunkTokens,
      Math.min(defaultChunkCeiling, Math.floor(input.model.capabilities.contextWindow / 4)),
    );
  }
  const value = input.maxChunkTokens;
  if (!Number.isInteger(value) || value < minimumChunkTokens) {
    throw new InvalidInputError(
      `maxChunkTokens must be an integer of at least ${minimumChunkTokens}, got ${String(value)}; raise it or leave it out for the default`,
      [{ path: ['maxChunkTokens'], message: `expected an integer >= ${minimumChunkTokens}` }],
    );
  }
  return value;
}

/**
 * Summarizes a chat conversation with a LanguageModel into four Markdown sections (summary,
 * decisions, action items with owners, open questions), headed in the chosen language
 * (`ja`: 要約 / 決定事項 / アクションアイテム / 未解決の質問; `en`: Summary / Decisions /
 * Action items / Open questions; `auto`: the model is told to use the conversation's language).
 *
 * Contract:
 * - Messages are rendered `[at] author (reply to …): text`, one per line, inside one
 *   `<data name="conversation">` block with any `</data` neutralised; the system prompt says
 *   data blocks are material, never instructions. Messages with blank text are skipped; when
 *   none remain an {@link InvalidInputError} ("nothing to summarize") is thrown before any call.
 * - A conversation within `maxChunkTokens` takes one call. A longer one is split at message
 *   boundaries into ordered chunks (a message longer than a chunk is cut into parts marked
 *   "message cut: part i of n"), each chunk is summarized into notes (one call each, in order),
 *   and the notes are merged in one final call; notes too long for one call are first merged in
 *   rounds of consecutive groups. Notes are wrapped in `<data>` blocks too.
 * - Calls run one after another with `signal`; `onProgress(done, total)` follows every call.
 *   Provider errors and aborts are thrown as they are. Usage is summed over all calls.
 * - Prompts depend only on the input, so the same conversation gives the same requests.
 */
export async function summarizeConversation(input: SummarizeConversationInput): Promise<ConversationSummary> {
  const maxChunkTokens = validBudget(input);
  if ((input.messages === undefined) === (input.transcript === undefined)) {
    throw new InvalidInputError('give the conversation as either messages or a transcript', [
      { path: ['messages'], message: 'exactly one of messages and transcript' },
    ]);
  }
  const maxChars = maxChunkTokens * 4;
  const lines =
    input.transcript === undefined
      ? (input.messages ?? [])
          .filter((message) => message.text.trim() !== '')
          .flatMap((message) => renderMessage(message, maxChars))
      : transcriptEntries(input.transcript).flatMap((entry) => cutEntry(entry, maxChars));
  if (lines.length === 0) {
    throw new InvalidInputError(
      'nothing to summarize: the conversation has no message with text; pick a channel or range that has messages',
      [{ path: ['messages'], message: 'no message with text' }],
    );
  }
  const chunks = pack(lines, maxChunkTokens);

  const usage: TokenUsage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0 };
  let calls = 0;
  let total = chunks.length === 1 ? 1 : chunks.length + 1;
  const call = async (prompt: string): Promise<string> => {
    input.signal?.throwIfAborted();
    const options: GenerateOptions = {
      system,
      messages: [{ role: 'user', content: prompt }],
      maxOutputTokens: Math.min(input.model.capabilities.maxOutputTokens, 4_000),
      ...(input.signal === undefined ? {} : { signal: input.signal }),
    };
    const generation = await input.model.generate(options);
    usage.inputTokens += generation.usage.inputTokens;
    usage.outputTokens += generation.usage.outputTokens;
    usage.cachedInputTokens += generation.usage.cachedInputTokens;
    calls++;
    input.onProgress?.(calls, total);
    return generation.text.trim();
  };

  if (chunks.length === 1) {
    const text = await call(wholePrompt(input.language, chunks[0]!));
    return { text, usage, calls, chunks: 1 };
  }

  let notes: string[] = [];
  for (const [index, chunk] of chunks.entries()) {
    notes.push(await call(chunkPrompt(input.language, chunk, index, chunks.length)));
  }
  while (notes.length > 1 && notesTokens(notes) > maxChunkTokens) {
    const groups = groupNotes(notes, maxChunkTokens);
    // This round's calls come before the final merge that was already counted.
    total += groups.filter((group) => group.length > 1).length;
    const merged: string[] = [];
    for (const group of groups) {
      merged.push(group.length === 1 ? group[0]! : await call(mergePrompt(input.language, group, false)));
    }
    notes = merged;
  }
  const text = await call(mergePrompt(input.language, notes, true));
  return { text, usage, calls, chunks: chunks.length };
}
