/** Discord's limit on a message's content, in characters (UTF-16 code units, as Discord counts). */
export const discordMessageLimit = 2000;

const fence = /^\s*(```|~~~)/;

/** The line that reopens a cut code block: its fence and language, never so long that no room is left. */
function reopening(opening: string): string {
  const marker = fence.exec(opening)![1]!;
  const info = opening.trim().slice(marker.length).trim();
  return info.length > 0 && info.length <= 30 && !/\s/.test(info) ? `${marker}${info}` : marker;
}

/**
 * Splits text into messages of at most `limit` characters, in order, losing nothing: at the
 * last blank line that fits, else the last line break, else the last space, else hard (never
 * inside a surrogate pair). A code block cut in two is closed at the end of one part and
 * reopened (with its language) at the start of the next, so both render as code.
 */
export function splitMessage(text: string, limit = discordMessageLimit): string[] {
  if (limit < 100) throw new RangeError('limit must be at least 100 characters');
  const parts: string[] = [];
  let rest = text.trim();
  let openFence: string | null = null;
  while (rest.length > 0) {
    const prefix = openFence === null ? '' : `${openFence}\n`;
    // Room for a closing fence when the part may end inside a block.
    const room = limit - prefix.length - 4;
    if (prefix.length + rest.length <= limit) {
      parts.push(prefix + rest);
      break;
    }
    let cut = cutPoint(rest, room);
    let piece = rest.slice(0, cut);
    // Fence state at the end of the piece, from the state at its start.
    let state: string | null = openFence;
    for (const line of piece.split('\n')) {
      const match = fence.exec(line);
      if (match === null) continue;
      state = state === null ? reopening(line) : null;
    }
    if (cut <= 0) cut = room;
    piece = piece.replace(/\s+$/, '');
    parts.push(prefix + piece + (state === null ? '' : `\n${fence.exec(state)![1]}`));
    openFence = state;
    rest = rest
      .slice(cut)
      .replace(/^\s*\n/, '')
      .replace(/^ +/, '');
  }
  return parts;
}

function cutPoint(text: string, room: number): number {
  const window = text.slice(0, room + 1);
  for (const separator of ['\n\n', '\n', ' ']) {
    const at = window.lastIndexOf(separator);
    // A cut in the first quarter would make tiny parts: prefer a coarser rule then.
    if (at > room / 4) return at;
  }
  const code = text.charCodeAt(room - 1);
  return code >= 0xd800 && code <= 0xdbff ? room - 1 : room;
}
