import type { SessionUpdate, ToolCallLocation } from '@agentclientprotocol/sdk';
import type { JsonValue } from '@goosuke/core';
import { clip, type RunEventLog } from './run-event-log.ts';

/** Aggregated message text is flushed as one event at this many characters. */
const chunkFlushChars = 4_000;
/** The summary keeps at most this many characters of the agent's final message. */
const summaryMaxChars = 100_000;
/** Caps on what one event carries, so that a chatty agent cannot make huge events. */
const maxListed = 50;
const maxFieldChars = 500;

type StreamKind = 'agent_message' | 'agent_thought';

/**
 * Turns an agent's `session/update` notifications into `run-log` events and keeps its final
 * message for the outcome's summary.
 *
 * Message and thought chunks (often a few characters each) are joined and emitted when another
 * kind of update arrives, when a new message starts, every ~4000 characters, and at the end of
 * the turn: one event per stretch of text, not per token. Tool calls and their updates (kind,
 * title, status, locations) and plans (entries) are events of their own; other kinds are
 * recorded by name at debug level. The "final message" is the agent's last message text: the
 * text after its last tool call (or the previous text when the turn ended on a tool call).
 */
export class SessionUpdateLog {
  private streamKind: StreamKind | null = null;
  private pending = '';
  private messageId: string | null = null;
  private currentMessage = '';
  private lastMessage = '';
  private messageClosed = false;
  /** The tool calls announced so far (a `tool_call` update, or a permission request). */
  private readonly announced = new Set<string>();

  constructor(private readonly events: RunEventLog) {}

  /** Records one update. */
  handle(update: SessionUpdate): void {
    switch (update.sessionUpdate) {
      case 'agent_message_chunk':
      case 'agent_thought_chunk': {
        const kind: StreamKind =
          update.sessionUpdate === 'agent_message_chunk' ? 'agent_message' : 'agent_thought';
        const text = update.content.type === 'text' ? update.content.text : `[${update.content.type}]`;
        if (kind === 'agent_message') this.appendMessage(text, update.messageId ?? null);
        if (this.streamKind !== kind) this.flush();
        this.streamKind = kind;
        this.pending += text;
        if (this.pending.length >= chunkFlushChars) this.flush();
        return;
      }
      case 'tool_call':
        this.closeMessage();
        this.announced.add(update.toolCallId);
        this.events.log({
          level: 'info',
          message: `tool call: ${clip(update.title, 120)} (${update.kind ?? 'other'}, ${update.status ?? 'pending'})`,
          data: {
            kind: 'tool_call',
            toolCallId: update.toolCallId,
            toolKind: update.kind ?? null,
            title: clip(update.title, maxFieldChars),
            status: update.status ?? null,
            locations: locationsOf(update.locations),
          },
        });
        return;
      case 'tool_call_update': {
        this.closeMessage();
        const data: { [key: string]: JsonValue } = {
          kind: 'tool_call_update',
          toolCallId: update.toolCallId,
        };
        if (update.kind != null) data.toolKind = update.kind;
        if (update.title != null) data.title = clip(update.title, maxFieldChars);
        if (update.status != null) data.status = update.status;
        if (update.locations != null) data.locations = locationsOf(update.locations);
        const what = update.title == null ? update.toolCallId : clip(update.title, 120);
        this.events.log({
          // A status change is progress worth showing; content-only updates are detail.
          level: update.status == null ? 'debug' : 'info',
          message: `tool call update: ${what}${update.status == null ? '' : ` (${update.status})`}`,
          data,
        });
        return;
      }
      case 'plan':
        this.flush();
        this.events.log({
          level: 'info',
          message: `plan: ${update.entries.length} ${update.entries.length === 1 ? 'entry' : 'entries'}`,
          data: {
            kind: 'plan',
            entries: update.entries.slice(0, maxListed).map((entry) => ({
              content: clip(entry.content, maxFieldChars),
              status: entry.status,
              priority: entry.priority,
            })),
          },
        });
        return;
      case 'usage_update':
        this.flush();
        this.events.log({
          level: 'debug',
          message: `context usage: ${update.used} of ${update.size} tokens`,
          data: { kind: 'usage_update', used: update.used, size: update.size },
        });
        return;
      default:
        // available_commands_update, current_mode_update, user_message_chunk (a load's replay), ...
        this.flush();
        this.events.log({
          level: 'debug',
          message: `agent update: ${update.sessionUpdate}`,
          data: { kind: String(update.sessionUpdate) },
        });
    }
  }

  /**
   * Records the tool call a permission request is about as a `tool_call`, unless the agent
   * announced it already: some agents (Gemini CLI for MCP tools) ask first and announce nothing,
   * sending only updates after, and the run's record would then lack the call.
   */
  announce(toolCall: {
    toolCallId: string;
    title?: string | null;
    kind?: string | null;
    locations?: unknown;
  }): void {
    if (this.announced.has(toolCall.toolCallId)) return;
    this.handle({
      sessionUpdate: 'tool_call',
      toolCallId: toolCall.toolCallId,
      title: toolCall.title ?? toolCall.toolCallId,
      status: 'pending',
      ...(toolCall.kind == null ? {} : { kind: toolCall.kind }),
      ...(Array.isArray(toolCall.locations) ? { locations: toolCall.locations } : {}),
    } as SessionUpdate);
  }

  /** Emits the text gathered so far, if any. */
  flush(): void {
    if (this.pending === '' || this.streamKind === null) return;
    const text = this.pending;
    const kind = this.streamKind;
    this.pending = '';
    this.events.log({
      level: kind === 'agent_message' ? 'info' : 'debug',
      message: `${kind === 'agent_message' ? 'agent' : 'agent thinking'}: ${clip(text, 200)}`,
      data: { kind, text },
    });
  }

  /**
   * The prompt is being sent: what the agent said before it (Gemini CLI acknowledges
   * `session/set_mode` with a "[MODE_UPDATE] autoEdit" message) stays in the events but is not
   * the answer, so the summary starts afresh.
   */
  beginTurn(): void {
    this.flush();
    this.messageId = null;
    this.currentMessage = '';
    this.lastMessage = '';
    this.messageClosed = false;
  }

  /** The agent's final message (see the class comment), trimmed. */
  summary(): string {
    const current = this.currentMessage.trim();
    return current !== '' ? current : this.lastMessage.trim();
  }

  private appendMessage(text: string, messageId: string | null): void {
    const newMessage = messageId !== null && this.messageId !== null && messageId !== this.messageId;
    if (this.messageClosed || newMessage) {
      this.flush();
      if (this.currentMessage.trim() !== '') this.lastMessage = this.currentMessage;
      this.currentMessage = '';
      this.messageClosed = false;
    }
    if (messageId !== null) this.messageId = messageId;
    if (this.currentMessage.length < summaryMaxChars) {
      this.currentMessage += text.slice(0, summaryMaxChars - this.currentMessage.length);
    }
  }

  /** A tool call ends the message before it: text after it is a new message. */
  private closeMessage(): void {
    this.flush();
    this.messageClosed = true;
  }
}

function locationsOf(locations: readonly ToolCallLocation[] | null | undefined): JsonValue[] {
  return (locations ?? [])
    .slice(0, maxListed)
    .map((location) => ({ path: location.path.slice(0, maxFieldChars * 8), line: location.line ?? null }));
}
