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
  const events = new RunEventLog(async (event) => {
    emitted.push(event.data);
  });
  const log = new SessionUpdateLog(events);
  for (const update of updates) log.handle(update);
  log.flush();
  return { log, emitted, events };
}

describe('SessionUpdateLog', () => {
  it('takes the text after the last tool call as the summary, without message ids', () => {
    const { log } = logOf([chunk('Let me look. '), toolCall('a'), chunk('Fixed '), chunk('it.')]);
    expect(log.summary()).toBe('Fixed it.');
  });

  it('leaves what the agent said before the prompt out of the summary, but in the events', async () => {
    const { log, emitted, events } = logOf([chunk('[MODE_UPDATE] autoEdit')]);
    log.beginTurn();
    log.handle(chunk('ok'));
    log.flush();
    expect(log.summary()).toBe('ok');
    await events.settle();
    expect(emitted).toEqual([
      { kind: 'agent_message', text: '[MODE_UPDATE] autoEdit' },
      { kind: 'agent_message', text: 'ok' },
    ]);
    const silent = logOf([chunk('[MODE_UPDATE] autoEdit')]).log;
    silent.beginTurn();
    expect(silent.summary()).toBe('');
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
