import { compare } from './code-unit-order.ts';
import { estimateTokens } from './token-estimate.ts';

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
  // Directories at depth `collapseAt` (1 for `src/`) and below show as counts; maxDepth + 1 shows all.
  let lines: string[] = [];
  for (let collapseAt = maxDepth + 1; collapseAt >= 1; collapseAt--) {
    lines = renderTree(root, '', 0, collapseAt);
    if (estimateTokens(lines.join('\n')) <= maxTokens) return lines.join('\n');
  }
  return cutLines(lines, maxTokens).join('\n');
}

function renderTree(node: TreeNode, prefix: string, depth: number, collapseAt: number): string[] {
  const lines: string[] = [];
  const dirNames = [...node.dirs.keys()].sort(compare);
  const files = [...node.files].sort(compare);
  if (files.length > 0) lines.push(`${prefix === '' ? './' : prefix}: ${files.join(', ')}`);
  for (const name of dirNames) {
    const child = node.dirs.get(name)!;
    const childPrefix = `${prefix}${name}/`;
    if (depth + 1 >= collapseAt) {
      lines.push(`${childPrefix} (${child.count} ${child.count === 1 ? 'file' : 'files'})`);
    } else lines.push(...renderTree(child, childPrefix, depth + 1, collapseAt));
  }
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
