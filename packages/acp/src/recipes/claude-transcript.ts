import { open, readdir } from 'node:fs/promises';
import path from 'node:path';

/** How much of the transcript's end is read: the last entry is the turn's final message. */
const tailBytes = 256 * 1024;

/**
 * Whether Claude Code has written its turn into its session transcript
 * (`HOME/.claude/projects/<cwd as a slug>/<session id>.jsonl`, which `session/load` reads): its
 * last complete line is an `assistant` entry with no tool use (the turn's final message; the
 * turn ended `end_turn`). Claude Code writes that line up to ~1.5 s after answering the prompt,
 * and a kill before loses it (a later load then sees a truncated history). False while the file
 * is missing, ends mid-line or ends with anything else. Never rejects.
 */
export async function claudeTranscriptComplete(context: {
  home: string;
  sessionId: string;
}): Promise<boolean> {
  if (!/^[A-Za-z0-9-]+$/.test(context.sessionId)) return false;
  const projects = path.join(context.home, '.claude', 'projects');
  const slugs = await readdir(projects).catch(() => [] as string[]);
  for (const slug of slugs) {
    const tail = await readTail(path.join(projects, slug, `${context.sessionId}.jsonl`));
    if (tail !== null) return endsWithFinalMessage(tail);
  }
  return false;
}

async function readTail(file: string): Promise<string | null> {
  const handle = await open(file, 'r').catch(() => null);
  if (handle === null) return null;
  try {
    const { size } = await handle.stat();
    const start = Math.max(0, size - tailBytes);
    const buffer = Buffer.alloc(size - start);
    await handle.read(buffer, 0, buffer.length, start);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

/** True when `text` ends with a complete line holding an assistant entry without tool use. */
export function endsWithFinalMessage(text: string): boolean {
  if (!text.endsWith('\n')) return false;
  const lines = text.split('\n');
  const last = lines.at(-2);
  if (last === undefined || last.trim() === '') return false;
  let entry: { type?: unknown; message?: { content?: unknown } };
  try {
    entry = JSON.parse(last) as typeof entry;
  } catch {
    return false;
  }
  if (entry.type !== 'assistant') return false;
  const content = entry.message?.content;
  if (!Array.isArray(content)) return typeof content === 'string';
  return content.every((part) => (part as { type?: unknown })?.type !== 'tool_use');
}
