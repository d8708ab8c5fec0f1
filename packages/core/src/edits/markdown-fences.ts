/** A fenced code block of a markdown text. */
export interface FenceBlock {
  /** Index of the opening fence line. */
  open: number;
  /** Index of the closing fence line, or the number of lines when the block is never closed. */
  close: number;
  /**
   * Added for files without a final newline, whose closing fence models glue to the last line
   * (`last line\`\`\``): true when the closing line was such a line. Its text before the fence
   * is then the body's last line (in {@link FencedText.lines}), so the body is
   * `lines.slice(open + 1, close + 1)`; see {@link blockBody}.
   */
  glued: boolean;
  /** The info string (language, path, attributes), trimmed. */
  info: string;
  /** Spaces before the opening fence; that much indentation is removed from the body. */
  indent: number;
}

/** The fences of a text, and its lines with fenced bodies de-indented. */
export interface FencedText {
  blocks: FenceBlock[];
  /** Opening line index -> its block. */
  byOpenLine: Map<number, FenceBlock>;
  /** For each line, the block whose body holds it, or null. */
  enclosing: Array<FenceBlock | null>;
  /** The lines, with each fenced block (fences and body) de-indented by its fence's indentation. */
  lines: string[];
}

const openPattern = /^( {0,3})(`{3,}|~{3,})(.*)$/;
const fenceLinePattern = /^( *)(`{3,}|~{3,})(.*)$/;

/**
 * Finds ``` and ~~~ fences. A block closes at a bare fence of the same character, at least as
 * long and at the same indentation (so a diff's ` ```` context line does not close it). A fence
 * with an info string inside a block opens a nested block (a markdown file inside a fence).
 */
export function findFences(lines: readonly string[]): FencedText {
  const blocks: FenceBlock[] = [];
  const byOpenLine = new Map<number, FenceBlock>();
  const enclosing: Array<FenceBlock | null> = new Array(lines.length).fill(null);
  const output = [...lines];
  let index = 0;
  while (index < lines.length) {
    const open = openPattern.exec(lines[index]!);
    if (open === null || (open[2]!.startsWith('`') && open[3]!.includes('`'))) {
      index++;
      continue;
    }
    const indent = open[1]!.length;
    const marker = open[2]!;
    const info = open[3]!.trim();
    // A diff's lines are read by their own rules, and a `+x\`\`\`` line may be content.
    const { close, glued } = findClose(lines, index + 1, indent, marker, !diffInfoPattern.test(info));
    const block: FenceBlock = { open: index, close, info, indent, glued: glued !== null };
    blocks.push(block);
    byOpenLine.set(index, block);
    const bodyEnd = glued === null ? close : close + 1;
    for (let line = index + 1; line < bodyEnd; line++) enclosing[line] = block;
    // The fence lines too: an indented closing fence must not read as a diff context line.
    if (indent > 0) {
      for (let line = index; line <= close && line < lines.length; line++)
        output[line] = removeIndent(lines[line]!, indent);
    }
    if (glued !== null) output[close] = indent > 0 ? removeIndent(glued, indent) : glued;
    index = close + 1;
  }
  return { blocks, byOpenLine, enclosing, lines: output };
}

/** Info strings of diff blocks, whose closing fence is never looked for at the end of a line. */
const diffInfoPattern = /^(?:diff|patch|udiff)\b/i;

/** The body of a block: the lines between its fences, with a glued last line. */
export function blockBody(fenced: FencedText, block: FenceBlock): string[] {
  return fenced.lines.slice(block.open + 1, block.glued ? block.close + 1 : block.close);
}

function findClose(
  lines: readonly string[],
  start: number,
  indent: number,
  marker: string,
  allowGlued: boolean,
): { close: number; glued: string | null } {
  let depth = 0;
  for (let index = start; index < lines.length; index++) {
    const line = lines[index]!;
    const fence = fenceLinePattern.exec(line);
    if (fence !== null && fence[1]!.length === indent && fence[2]![0] === marker[0]) {
      if (fence[2]!.length < marker.length) continue;
      if (fence[3]!.trim() === '') {
        if (depth === 0) return { close: index, glued: null };
        depth--;
      } else if (fence[2]!.length === marker.length) depth++;
      continue;
    }
    if (allowGlued && depth === 0) {
      const glued = gluedBody(line, marker);
      if (glued !== null) return { close: index, glued };
    }
  }
  return { close: lines.length, glued: null };
}

/** Nothing but markdown container markers (`> `, `- `, `1. `): a fence inside a quote or a list item. */
const containerOnly = /^(?:\s*(?:>|[-*+]|\d+[.)]))*\s*$/;

/**
 * The text before a closing fence glued to the end of a line (`}\`\`\``), or null. The text must
 * hold no run of three fence characters (in markdown, \`\`\`x\`\`\` is inline code) and be more
 * than container markers (`> \`\`\`` closes a block inside a quote, in a markdown file's body). Spaces after the fence are ignored; the text before it is kept exactly.
 */
function gluedBody(line: string, marker: string): string | null {
  const trimmed = line.trimEnd();
  const character = marker[0]!;
  let run = 0;
  while (run < trimmed.length && trimmed[trimmed.length - 1 - run] === character) run++;
  if (run < marker.length) return null;
  const text = trimmed.slice(0, trimmed.length - run);
  if (containerOnly.test(text) || text.includes(character.repeat(3))) return null;
  return text;
}

function removeIndent(line: string, indent: number): string {
  let index = 0;
  while (index < indent && line[index] === ' ') index++;
  return line.slice(index);
}
