/** A fenced code block of a markdown text. */
export interface FenceBlock {
  /** Index of the opening fence line. */
  open: number;
  /** Index of the closing fence line, or the number of lines when the block is never closed. */
  close: number;
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
    const close = findClose(lines, index + 1, indent, marker);
    const block: FenceBlock = { open: index, close, info: open[3]!.trim(), indent };
    blocks.push(block);
    byOpenLine.set(index, block);
    for (let line = index + 1; line < close; line++) enclosing[line] = block;
    // The fence lines too: an indented closing fence must not read as a diff context line.
    if (indent > 0) {
      for (let line = index; line <= close && line < lines.length; line++)
        output[line] = removeIndent(lines[line]!, indent);
    }
    index = close + 1;
  }
  return { blocks, byOpenLine, enclosing, lines: output };
}

function findClose(lines: readonly string[], start: number, indent: number, marker: string): number {
  let depth = 0;
  for (let index = start; index < lines.length; index++) {
    const fence = fenceLinePattern.exec(lines[index]!);
    if (fence === null || fence[1]!.length !== indent || fence[2]![0] !== marker[0]) continue;
    if (fence[2]!.length < marker.length) continue;
    if (fence[3]!.trim() === '') {
      if (depth === 0) return index;
      depth--;
    } else if (fence[2]!.length === marker.length) depth++;
  }
  return lines.length;
}

function removeIndent(line: string, indent: number): string {
  let index = 0;
  while (index < indent && line[index] === ' ') index++;
  return line.slice(index);
}
