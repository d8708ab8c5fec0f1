/** What a run's commit message is made from. */
export interface CommitMessageInput {
  /** The run's summary: what the model says it changed. May be empty. */
  summary: string;
  /** The instruction the run carried out (used when the summary says nothing). */
  instruction: string;
  /** The model credited in a `Co-authored-by` trailer. */
  model: { provider: string; modelName: string };
  /** The run the commit comes from, named in a `Goosuke-Run` trailer. */
  runId?: string;
}

/** The longest header (`type: subject`) a composed message gets; longer ones end in `…`. */
export const commitHeaderMaxLength = 72;

// Conventional commit types by what the text says, most specific first; CJK words included so
// that a Japanese or Chinese summary gets a proper type (dursor committed every CJK instruction
// as "Update changes").
const typeRules: ReadonlyArray<{ type: string; pattern: RegExp }> = [
  {
    type: 'fix',
    pattern:
      /\b(fix(es|ed|ing)?|bugs?|repair(s|ed)?|correct(s|ed)?|resolve[sd]?)\b|修正|バグ|不具合|直し|直す|修复/i,
  },
  {
    type: 'docs',
    pattern: /\b(docs?|readme|documentation|documents?|jsdoc)\b|ドキュメント|文書|説明書|文档/i,
  },
  { type: 'test', pattern: /\b(tests?|specs?|testing)\b|テスト|测试/i },
  {
    type: 'perf',
    pattern: /\b(perf|performance|faster|speed(s|ed)? up|optimi[sz](e|es|ed))\b|高速化|最適化|性能/i,
  },
  {
    type: 'refactor',
    pattern:
      /\b(refactor(s|ed|ing)?|renamed?|renames|clean(s|ed)? ?up|simplif(y|ies|ied)|extract(s|ed)?)\b|リファクタ|整理|名前を変更|重构/i,
  },
  {
    type: 'feat',
    pattern:
      /\b(add(s|ed)?|implement(s|ed)?|introduce[sd]?|support(s|ed)?|new|create[sd]?|allow(s|ed)?)\b|追加|実装|対応|新規|作成|新增|添加/i,
  },
];

const conventionalHeader = /^[a-z]+(\([^)\n]+\))?!?: \S/;

/**
 * A conventional-commit message for a run's change, deterministic and in the language the
 * summary is written in: `type: subject` from the summary's first line (else the instruction's),
 * the type from what the text says (fix, docs, test, perf, refactor, feat; `chore` otherwise;
 * a subject already in `type(scope): ...` form is kept), the header cut to
 * {@link commitHeaderMaxLength} characters (at a word boundary where there are spaces, with
 * `…`), the rest of the summary as the body, and a `Co-authored-by` trailer naming the model
 * (plus `Goosuke-Run: <id>` when `runId` is given).
 * Control characters are removed; the message ends with a newline.
 */
export function composeCommitMessage(input: CommitMessageInput): string {
  const summaryLines = cleanLines(input.summary);
  const instructionLines = cleanLines(input.instruction);
  const source = summaryLines.length > 0 ? summaryLines : instructionLines;
  const first = source[0] ?? 'Apply the requested change';
  const subject = first.replace(/[.。．!！]+$/u, '').trim();
  let header: string;
  if (conventionalHeader.test(subject)) header = subject;
  else {
    const type =
      typeRules.find((rule) => rule.pattern.test(subject))?.type ??
      typeRules.find((rule) => rule.pattern.test(instructionLines.join(' ')))?.type ??
      'chore';
    header = `${type}: ${imperative(type, lowerFirst(subject))}`;
  }
  header = cut(header, commitHeaderMaxLength);
  const body = (summaryLines.length > 0 ? summaryLines.slice(1) : instructionLines.slice(1))
    .join('\n')
    .trim();
  let trailer = `Co-authored-by: ${coAuthorName(input.model)} <${coAuthorEmail(input.model)}>`;
  if (input.runId !== undefined) trailer += `\nGoosuke-Run: ${input.runId.replace(/\s+/g, '')}`;
  return `${header}\n\n${body === '' ? '' : `${body}\n\n`}${trailer}\n`;
}

/** Lines without control characters or surrounding blank lines; inner blank lines kept once. */
function cleanLines(text: string): string[] {
  const lines = text
    .replace(/\r\n?/g, '\n')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
    .replace(/[\u0000-\u0008\u000b-\u001f\u007f]/g, '')
    .split('\n')
    .map((line) => line.trimEnd());
  while (lines.length > 0 && lines[0]!.trim() === '') lines.shift();
  while (lines.length > 0 && lines[lines.length - 1]!.trim() === '') lines.pop();
  const kept: string[] = [];
  for (const line of lines) {
    if (line.trim() === '' && kept[kept.length - 1]?.trim() === '') continue;
    kept.push(kept.length === 0 ? line.trim() : line);
  }
  return kept;
}

// Summaries often start in the past tense ("Added ..."); commit subjects read as imperatives.
const pastTense: Readonly<Record<string, string>> = {
  added: 'add',
  adds: 'add',
  changed: 'change',
  changes: 'change',
  created: 'create',
  creates: 'create',
  fixed: 'fix',
  fixes: 'fix',
  implemented: 'implement',
  implements: 'implement',
  made: 'make',
  makes: 'make',
  moved: 'move',
  removed: 'remove',
  removes: 'remove',
  renamed: 'rename',
  renames: 'rename',
  replaced: 'replace',
  updated: 'update',
  updates: 'update',
};

/** The subject with its leading verb as an imperative; `fix: fix x` becomes `fix: x`. */
function imperative(type: string, subject: string): string {
  const match = /^([a-z]+)(\s+)/.exec(subject);
  if (match === null) return subject;
  const verb = pastTense[match[1]!] ?? match[1]!;
  if (type === 'fix' && verb === 'fix') return subject.slice(match[0].length);
  return verb === match[1] ? subject : verb + subject.slice(match[1]!.length);
}

/** Lower-cases a leading capital unless the word is an acronym or a name with inner capitals. */
function lowerFirst(text: string): string {
  const word = /^\S+/.exec(text)?.[0] ?? '';
  if (/^[A-Z][a-z]+$/.test(word) || /^[A-Z][a-z]*[.,:;]?$/.test(word)) {
    return text[0]!.toLowerCase() + text.slice(1);
  }
  return text;
}

/** `text` within `max` characters (code points), cut at a space when there is one late enough. */
function cut(text: string, max: number): string {
  const characters = [...text];
  if (characters.length <= max) return text;
  let kept = characters.slice(0, max - 1).join('');
  const space = kept.lastIndexOf(' ');
  if (space > max * 0.6) kept = kept.slice(0, space);
  return `${kept.trimEnd()}…`;
}

function coAuthorName(model: { provider: string; modelName: string }): string {
  return `${model.modelName} (${model.provider})`.replace(/[<>\n]/g, '');
}

/**
 * A stable address per model under the reserved `.invalid` top-level domain (RFC 2606): a model
 * has no mailbox, and no real person may ever own the address.
 */
function coAuthorEmail(model: { provider: string; modelName: string }): string {
  const part = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9.-]+/g, '-')
      .replace(/^-+|-+$/g, '') || 'model';
  return `${part(model.modelName)}.${part(model.provider)}@models.goosuke.invalid`;
}
