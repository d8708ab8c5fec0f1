import { compare } from './code-unit-order.ts';
import { tokensForLength } from './token-estimate.ts';

/** Default size of the file tree: it is collapsed until it fits. */
export const defaultTreeTokens = 4_000;

interface TreeNode {
  files: string[];
  dirs: Map<string, TreeNode>;
  count: number;
}

/**
 * A compact listing of `paths`, one line per directory: `src/: a.ts, b.ts` (the root is `./`).
 * When the listing is longer than `maxTokens`, directories below a depth are collapsed into
 * `dir/ (N files)` lines, from the deepest level up, and as a last resort the longest lines are
 * cut with `... (N more)`. Deterministic: entries in code-unit order. Empty for no paths.
 */
export function buildFileTree(paths: readonly string[], maxTokens: number = defaultTreeTokens): string {
  if (paths.length === 0) return '';
  const root: TreeNode = { files: [], dirs: new Map(), count: 0 };
  let maxDepth = 0;
  for (const path of paths) {
    const segments = path.split('/');
    maxDepth = Math.max(maxDepth, segments.length - 1);
    let node = root;
    node.count++;
    for (const segment of segments.slice(0, -1)) {
      let child = node.dirs.get(segment);
      if (child === undefined) {
        child = { files: [], dirs: new Map(), count: 0 };
        node.dirs.set(segment, child);
      }
      child.count++;
      node = child;
    }
    node.files.push(segments.at(-1)!);
  }
  // Directories at depth `collapseAt` (1 for `src/`) and below show as counts; maxDepth + 1 shows
  // all. The deepest level that fits is found from the listing's length at every level, measured
  // in one walk (tokens are a function of length), and only that level is rendered: rendering each level
  // in turn cost a large repository's every run (50k files: ~130 ms) for a listing of 16k chars.
  const lengths = listingLengths(root, maxDepth);
  for (let collapseAt = maxDepth + 1; collapseAt >= 1; collapseAt--) {
    if (tokensForLength(lengths[collapseAt]!) <= maxTokens) return renderTree(root, collapseAt).join('\n');
  }
  return cutLines(renderTree(root, 1), maxTokens).join('\n');
}

/** The text of a directory's line of files: `prefix: a.ts, b.ts` (`./` for the root). */
function filesLine(prefix: string, files: readonly string[]): string {
  return `${prefix === '' ? './' : prefix}: ${files.join(', ')}`;
}

/** The line of a directory collapsed into its count: `prefix (N files)`. */
function collapsedLine(prefix: string, count: number): string {
  return `${prefix} (${count} ${count === 1 ? 'file' : 'files'})`;
}

/**
 * The length of `renderTree(root, c).join('\n')` for every `c` from 1 to `maxDepth + 1`, by
 * index. A directory at depth d (the root is 0) shows its files line when d < c, its collapsed
 * line when d = c (d >= 1) and nothing deeper; so one walk summing both kinds of line per depth
 * gives every level's length.
 */
function listingLengths(root: TreeNode, maxDepth: number): number[] {
  const filesChars = new Array<number>(maxDepth + 2).fill(0);
  const filesLines = new Array<number>(maxDepth + 2).fill(0);
  const collapsedChars = new Array<number>(maxDepth + 2).fill(0);
  const collapsedLines = new Array<number>(maxDepth + 2).fill(0);
  const walk = (node: TreeNode, prefixLength: number, depth: number): void => {
    if (node.files.length > 0) {
      let names = 0;
      for (const file of node.files) names += file.length;
      filesChars[depth]! += (prefixLength === 0 ? 2 : prefixLength) + 2 + names + 2 * (node.files.length - 1);
      filesLines[depth]!++;
    }
    for (const [name, child] of node.dirs) {
      const childPrefix = prefixLength + name.length + 1;
      collapsedChars[depth + 1]! +=
        childPrefix + ` (${child.count} ${child.count === 1 ? 'file' : 'files'})`.length;
      collapsedLines[depth + 1]!++;
      walk(child, childPrefix, depth + 1);
    }
  };
  walk(root, 0, 0);
  const lengths: number[] = [0];
  let chars = 0;
  let lines = 0;
  for (let collapseAt = 1; collapseAt <= maxDepth + 1; collapseAt++) {
    chars += filesChars[collapseAt - 1]!;
    lines += filesLines[collapseAt - 1]!;
    const total = lines + collapsedLines[collapseAt]!;
    lengths.push(chars + collapsedChars[collapseAt]! + Math.max(0, total - 1));
  }
  return lengths;
}

/** The listing's lines with directories at depth `collapseAt` and below collapsed. */
function renderTree(root: TreeNode, collapseAt: number): string[] {
  const lines: string[] = [];
  const render = (node: TreeNode, prefix: string, depth: number): void => {
    if (node.files.length > 0) lines.push(filesLine(prefix, [...node.files].sort(compare)));
    for (const name of [...node.dirs.keys()].sort(compare)) {
      const child = node.dirs.get(name)!;
      const childPrefix = `${prefix}${name}/`;
      if (depth + 1 >= collapseAt) lines.push(collapsedLine(childPrefix, child.count));
      else render(child, childPrefix, depth + 1);
    }
  };
  render(root, '', 0);
  return lines;
}

/** Shortens the longest lines (file lists) until the whole fits, then drops trailing lines. */
function cutLines(lines: readonly string[], maxTokens: number): string[] {
  const maxChars = maxTokens * 4;
  const out = lines.map((line) => {
    const perLine = Math.max(200, Math.floor(maxChars / Math.max(1, lines.length)));
    if (line.length <= perLine) return line;
    const colon = line.indexOf(': ');
    const names = line.slice(colon + 2).split(', ');
    let kept = line.slice(0, colon + 2);
    let shown = 0;
    while (shown < names.length && kept.length + names[shown]!.length + 24 < perLine) {
      kept += `${shown > 0 ? ', ' : ''}${names[shown]}`;
      shown++;
    }
    return `${kept}${shown > 0 ? ', ' : ''}... (${names.length - shown} more)`;
  });
  let length = out.reduce((sum, line) => sum + line.length + 1, 0);
  let dropped = 0;
  while (out.length > 1 && length > maxChars - 40) {
    length -= out.pop()!.length + 1;
    dropped++;
  }
  if (dropped > 0) out.push(`... (${dropped} more directories)`);
  return out;
}
