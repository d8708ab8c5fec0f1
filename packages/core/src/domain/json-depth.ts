/** How deep JSON may nest by default (objects and arrays inside each other). */
export const defaultMaxJsonDepth = 64;

/**
 * Whether JSON `text` nests objects and arrays deeper than `maxDepth`, judged from the text alone
 * before anything parses it: one pass, no recursion and no allocation, so that hostile input
 * (thousands of `[`) costs nothing but the scan. Brackets inside strings do not count. Malformed
 * text is not judged here (the parser refuses it).
 */
export function exceedsJsonDepth(text: string, maxDepth: number = defaultMaxJsonDepth): boolean {
  let depth = 0;
  let inString = false;
  for (let index = 0; index < text.length; index += 1) {
    const code = text.charCodeAt(index);
    if (inString) {
      if (code === 0x5c)
        index += 1; // backslash: skip the escaped character
      else if (code === 0x22) inString = false;
      continue;
    }
    if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > maxDepth) return true;
    } else if (code === 0x7d || code === 0x5d) depth -= 1;
  }
  return false;
}
