/** A reacted emoji as Discord reports it: a unicode emoji by name, a custom one by name and id. */
export interface DiscordEmoji {
  name: string | null;
  id: string | null;
}

/**
 * The form emoji are compared in: without variation selectors (U+FE0E, U+FE0F), so `✏️` and
 * `✏` are one emoji as users see them; a custom emoji is compared by its name and by its id.
 */
export function emojiKey(emoji: string): string {
  return emoji.replace(/[\uFE0E\uFE0F]/g, '').trim();
}

/** Whether the reacted emoji (its name and, for a custom emoji, its id) is one of `wanted`. */
export function emojiMatches(reacted: DiscordEmoji, wanted: readonly string[]): boolean {
  const keys = new Set(wanted.map(emojiKey));
  if (reacted.id !== null && (keys.has(reacted.id) || keys.has(`<:${reacted.name}:${reacted.id}>`)))
    return true;
  return reacted.name !== null && keys.has(emojiKey(reacted.name));
}
