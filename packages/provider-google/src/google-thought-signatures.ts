/**
 * Gemini 3 attaches an opaque `thoughtSignature` to the first function call of a turn and
 * answers 400 when a replayed call lacks it. Goosuke's ToolCall has no field for it, so
 * signatures are remembered here by tool call id (bounded, oldest dropped first) and put back
 * when the conversation is sent again. A replayed call whose id is unknown here (history from
 * a database, another process or another model) gets Google's documented
 * `skip_thought_signature_validator` sentinel instead.
 */
const maxRemembered = 2_000;
const signatures = new Map<string, string | null>();

/** The sentinel Google documents for replayed calls whose real signature is lost. */
export const skipThoughtSignatureValidator = 'skip_thought_signature_validator';

/** Records the signature (or its absence) Gemini gave the call with this id. */
export function rememberThoughtSignature(toolCallId: string, signature: string | undefined): void {
  signatures.delete(toolCallId);
  signatures.set(toolCallId, signature ?? null);
  if (signatures.size > maxRemembered) {
    const oldest = signatures.keys().next().value;
    if (oldest !== undefined) signatures.delete(oldest);
  }
}

/**
 * The signature to send with a replayed call: the remembered one, `null` when Gemini gave
 * none, `undefined` when this process never saw the call.
 */
export function recallThoughtSignature(toolCallId: string): string | null | undefined {
  return signatures.get(toolCallId);
}
