/**
 * A file's text as lines, with what is needed to write it back byte for byte: the dominant
 * line terminator, the per-line terminators of a file that mixes them, and whether it ends
 * with a newline. Lines never contain their terminator.
 */
export interface TextLines {
  lines: string[];
  /** The terminator that most lines use; new lines get it. */
  lineEnding: '\n' | '\r\n';
  /** Per line, whether it ended with `\r\n`; null when every line uses `lineEnding`. */
  crlf: boolean[] | null;
  /** Whether the last line ends with a terminator. An empty file counts as true, so that text added to it ends with one. */
  finalNewline: boolean;
}

/** Splits text into lines; a `\r` is a terminator only right before `\n`. */
export function splitText(text: string): TextLines {
  if (text === '') return { lines: [], lineEnding: '\n', crlf: null, finalNewline: true };
  const lines = text.split('\n');
  const finalNewline = lines[lines.length - 1] === '';
  if (finalNewline) lines.pop();
  const terminated = finalNewline ? lines.length : lines.length - 1;
  const flags: boolean[] = new Array(lines.length).fill(false);
  let crlfCount = 0;
  for (let index = 0; index < terminated; index++) {
    const line = lines[index]!;
    if (line.endsWith('\r')) {
      lines[index] = line.slice(0, -1);
      flags[index] = true;
      crlfCount++;
    }
  }
  const lfCount = terminated - crlfCount;
  const lineEnding = crlfCount > lfCount ? '\r\n' : '\n';
  const mixed = crlfCount > 0 && lfCount > 0;
  return { lines, lineEnding, crlf: mixed ? flags : null, finalNewline };
}

/** Joins lines back into text, the inverse of {@link splitText}. */
export function joinText(text: TextLines): string {
  const { lines, lineEnding, crlf, finalNewline } = text;
  if (lines.length === 0) return '';
  if (crlf === null) return lines.join(lineEnding) + (finalNewline ? lineEnding : '');
  let out = '';
  const last = lines.length - 1;
  for (let index = 0; index < lines.length; index++) {
    out += lines[index];
    if (index < last || finalNewline) out += crlf[index] ? '\r\n' : '\n';
  }
  return out;
}

/**
 * Splits the text of an edit (a patch, a reply, a SEARCH block) into lines, dropping any `\r`
 * before `\n` and the empty string after a final newline. Edits carry no line-ending style: the
 * target file's own style is kept when applying.
 */
export function splitEditText(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index]!;
    if (line.endsWith('\r')) lines[index] = line.slice(0, -1);
  }
  return lines;
}

/** Lines as edit text: joined with `\n` and ending with `\n`, or empty. */
export function joinEditLines(lines: readonly string[]): string {
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}

/**
 * The same lines, exactly: a file counts as already holding new content only when nothing would
 * change (whitespace-only differences would be hidden by "already applied").
 */
export function sameLines(left: readonly string[], right: readonly string[]): boolean {
  return left.length === right.length && left.every((line, position) => line === right[position]);
}
