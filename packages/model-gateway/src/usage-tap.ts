import type { TokenUsage } from '@goosuke/core';
import { createParser } from 'eventsource-parser';
import type { WireSpec } from './wires/wire-spec.ts';

/**
 * Watches the bytes of a reply on their way to the agent and finds the call's usage in them.
 * It only reads: the bytes the agent gets are the provider's, untouched.
 */
export interface UsageTap {
  push(chunk: Uint8Array): void;
  /** The usage found once the reply ended (or was cut), or null. */
  finish(): TokenUsage | null;
}

// A non-streamed reply is parsed whole at its end; past this size it is relayed unread
// (no model answer is that large; a reply that is must not make the gateway hold it).
const maxJsonBytes = 32 * 1024 * 1024;
// The longest SSE event the parser holds while it waits for the event's end.
const maxEventChars = 16 * 1024 * 1024;

/** A tap for a reply of `contentType`: SSE events, or one JSON document. */
export function usageTap(spec: WireSpec, contentType: string): UsageTap {
  return /^text\/event-stream\b/i.test(contentType) ? sseTap(spec) : jsonTap(spec);
}

function sseTap(spec: WireSpec): UsageTap {
  const reader = spec.sseUsageReader();
  const decoder = new TextDecoder();
  let broken = false;
  const parser = createParser({
    maxBufferSize: maxEventChars,
    onEvent(event) {
      // Most events are text deltas: only those that mention usage are worth parsing.
      if (!event.data.includes('"usage')) return;
      let data: unknown;
      try {
        data = JSON.parse(event.data);
      } catch {
        return;
      }
      reader.event(event.event, data);
    },
    onError(error) {
      // An oversized event stops the parser for good; other parse errors only skip a line.
      if (error.type === 'max-buffer-size-exceeded') broken = true;
    },
  });
  const feed = (text: string) => {
    if (broken || text === '') return;
    try {
      parser.feed(text);
    } catch {
      broken = true;
    }
  };
  return {
    push: (chunk) => feed(decoder.decode(chunk, { stream: true })),
    finish() {
      feed(decoder.decode());
      if (!broken) parser.reset({ consume: true });
      return reader.usage();
    },
  };
}

function jsonTap(spec: WireSpec): UsageTap {
  const parts: Uint8Array[] = [];
  let size = 0;
  return {
    push(chunk) {
      size += chunk.length;
      if (size <= maxJsonBytes) parts.push(chunk);
      else parts.length = 0;
    },
    finish() {
      if (size > maxJsonBytes || size === 0) return null;
      try {
        return spec.usageOfJson(JSON.parse(Buffer.concat(parts).toString('utf8')));
      } catch {
        return null;
      }
    },
  };
}
