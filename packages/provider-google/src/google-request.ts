import type { Content, FunctionDeclaration, Part } from '@google/genai';
import type { ChatMessage, ToolSpec } from '@goosuke/core';
import { recallThoughtSignature, skipThoughtSignatureValidator } from './google-thought-signatures.ts';

/** Ids this package invents for calls Gemini sent without one; never sent back to Gemini. */
export const generatedToolCallIdPrefix = 'goosuke-call-';

/**
 * Maps Goosuke's conversation onto Gemini `contents`: user → `user`, assistant → `model`
 * (text, then one `functionCall` part per tool call), tool results → `functionResponse`
 * parts (`{ output }`, or `{ error }` when `isError`) in a `user` turn. Adjacent turns of the
 * same role are merged, so parallel tool results form one turn as Gemini expects.
 * `needsThoughtSignatures` (Gemini 3 and later) adds the skip sentinel to the first call of
 * a replayed turn whose real signature is unknown.
 */
export function toGoogleContents(
  messages: readonly ChatMessage[],
  needsThoughtSignatures: boolean,
): Content[] {
  const contents: Content[] = [];
  const push = (role: 'user' | 'model', parts: Part[]) => {
    const last = contents.at(-1);
    if (last && last.role === role) last.parts = [...(last.parts ?? []), ...parts];
    else contents.push({ role, parts });
  };
  for (const message of messages) {
    if (message.role === 'user') {
      push('user', [{ text: message.content }]);
    } else if (message.role === 'assistant') {
      const calls = message.toolCalls ?? [];
      const parts: Part[] = message.content !== '' || calls.length === 0 ? [{ text: message.content }] : [];
      calls.forEach((call, index) => {
        const known = call.id.startsWith(generatedToolCallIdPrefix) ? undefined : { id: call.id };
        const part: Part = { functionCall: { name: call.name, args: call.arguments, ...known } };
        const remembered = recallThoughtSignature(call.id);
        if (remembered) part.thoughtSignature = remembered;
        else if (remembered === undefined && index === 0 && needsThoughtSignatures)
          part.thoughtSignature = skipThoughtSignatureValidator;
        parts.push(part);
      });
      push('model', parts);
    } else {
      const known = message.toolCallId.startsWith(generatedToolCallIdPrefix)
        ? {}
        : { id: message.toolCallId };
      push('user', [
        {
          functionResponse: {
            ...known,
            name: message.name,
            response: message.isError ? { error: message.content } : { output: message.content },
          },
        },
      ]);
    }
  }
  return contents;
}

/** Tool specs as Gemini function declarations, the schema passed through as plain JSON Schema. */
export function toGoogleFunctionDeclarations(tools: readonly ToolSpec[]): FunctionDeclaration[] {
  return tools.map((tool) => ({
    name: tool.name,
    description: tool.description,
    parametersJsonSchema: tool.inputSchema,
  }));
}

/** Whether a model is Gemini 3 or later, which rejects replayed calls without a signature. */
export function requiresThoughtSignatures(modelId: string): boolean {
  const name = modelId.toLowerCase().replace(/^.*\//, '');
  const major = /^gemini-(\d+)/.exec(name)?.[1];
  return major !== undefined && Number(major) >= 3;
}
