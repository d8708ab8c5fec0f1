/** `count` and `noun`, the noun with an `s` unless the count is 1: "1 model", "2 models", "0 runs". */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
