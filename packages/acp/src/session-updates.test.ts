import type { SessionUpdate } from '@agentclientprotocol/sdk';
import { describe, expect, it } from 'vitest';
import { RunEventLog } from './run-event-log.ts';
import { SessionUpdateLog } from './session-updates.ts';

const chunk = (text: string): SessionUpdate => ({
  sessionUpdate: 'agent_message_chunk',
  content: { type: 'text', text },
});
const toolCall = (id: string): SessionUpdate => ({ sessionUpdate: 'tool_call', toolCallId: id, title: id });

function logOf(updates: SessionUpdate[]) {
  const emitted: unknown[] = [];
  const log = new SessionUpdateLog(
    new RunEventLog(async (event) => {
      emitted.push(event.data);
    }),
  );
  for (const update of updates) log.handle(update);
  log.flush();
  return { log, emitted };
}

describe('SessionUpdateLog', () => {
  it('takes the text after the last tool call as the summary, without message ids', () => {
    const { log } = logOf([chunk('Let me look. '), toolCall('a'), chunk('Fixed '), chunk('it.')]);
    expect(log.summary()).toBe('Fixed it.');
  });

  it('keeps the last message when the turn ends on a tool call', () => {
    const { log } = logOf([chunk('Planning.'), toolCall('a'), chunk('Done.'), toolCall('b')]);
    expect(log.summary()).toBe('Done.');
  });

  it('keeps thoughts out of the summary', () => {
    const { log } = logOf([
      chunk('Answer'),
      { sessionUpdate: 'agent_thought_chunk', content: { type: 'text', text: ' (thinking)' } },
      chunk(' here.'),
    ]);
    expect(log.summary()).toBe('Answer here.');
  });
});
