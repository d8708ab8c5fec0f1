import { GoosukeError } from '@goosuke/core';
import { clip } from './reply-surface.ts';

/** Thrown by the bot to tell the member something short about Discord itself; never carries secrets. */
export class Refusal extends Error {}

/** An error's message, for the bot's log. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** What the member reads when something went wrong: short, and never a stack or a secret. */
export function userMessage(error: unknown): string {
  if (error instanceof Refusal) return error.message;
  if (GoosukeError.isInstance(error)) return `⚠️ ${clip(error.message)}`;
  return '⚠️ Something went wrong; the operator can find the details in the bot’s log.';
}
