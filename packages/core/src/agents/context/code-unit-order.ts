/** Orders strings by UTF-16 code units (as `Array.prototype.sort` does), so that orders are the same everywhere. */
export function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}
