// Token budgeting: how much of a prompt a text or a file takes.

/**
 * A rough token count for budgeting: one token per four characters, rounded up. Close enough
 * for code and English with every provider's tokenizer, and the same on every machine.
 */
export function estimateTokens(text: string): number {
  return tokensForLength(text.length);
}

/** {@link estimateTokens} of a text of `length` characters, for a text not built yet. */
export function tokensForLength(length: number): number {
  return Math.ceil(length / 4);
}

/** Tokens a file costs in the prompt: its path line, the fence lines and its content. */
export function fileTokens(path: string, content: string): number {
  return estimateTokens(content) + estimateTokens(path) + 6;
}
