import type { Message } from '@goosuke/core';

/**
 * The text of the one prompt block: the instruction alone for a first message; with earlier turns,
 * the conversation (oldest first, each turn labelled with its role) and then the instruction as the
 * latest request. A new ACP session knows nothing of the task, so a follow-up must carry the
 * conversation. The latest user message is the instruction (possibly rendered from a template),
 * so it is not repeated.
 */
export function conversationPrompt(instruction: string, history: readonly Message[]): string {
  const earlier = history.at(-1)?.role === 'user' ? history.slice(0, -1) : history;
  if (earlier.length === 0) return instruction;
  const turns = earlier.map((message) => `[${message.role}]\n${message.content.trim()}`);
  return [
    'Earlier conversation of this task, oldest first:',
    '',
    turns.join('\n\n'),
    '',
    'Latest request (answer this one):',
    '',
    instruction,
  ].join('\n');
}
