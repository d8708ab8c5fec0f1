import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { claudeTranscriptComplete, endsWithFinalMessage } from './claude-transcript.ts';

const line = (entry: unknown) => `${JSON.stringify(entry)}\n`;
const user = line({ type: 'user', message: { content: [{ type: 'text', text: 'Fix it' }] } });
const toolUse = line({
  type: 'assistant',
  message: { content: [{ type: 'tool_use', id: 't1', name: 'Edit' }] },
});
const toolResult = line({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't1' }] } });
const final = line({ type: 'assistant', message: { content: [{ type: 'text', text: 'Fixed.' }] } });

describe('endsWithFinalMessage', () => {
  it('is true only for a complete last line holding an assistant message without tool use', () => {
    expect(endsWithFinalMessage(user + toolUse + toolResult + final)).toBe(true);
    expect(endsWithFinalMessage(user + toolUse + toolResult)).toBe(false);
    expect(endsWithFinalMessage(user + toolUse)).toBe(false);
    // Cut mid-line: still being written.
    expect(endsWithFinalMessage(user + final.slice(0, -5))).toBe(false);
    expect(endsWithFinalMessage(`${user}{not json\n`)).toBe(false);
    expect(endsWithFinalMessage('')).toBe(false);
    expect(endsWithFinalMessage(line({ type: 'assistant', message: { content: 'plain' } }))).toBe(true);
  });
});

describe('claudeTranscriptComplete', () => {
  let home: string | undefined;
  afterEach(async () => {
    if (home !== undefined) await rm(home, { recursive: true, force: true });
  });

  it('finds the session’s transcript under any project of the home, and reads its end', async () => {
    home = await mkdtemp(path.join(os.tmpdir(), 'claude-home-'));
    const sessionId = '9600a683-d57f-4f0b-aad9-197bb89da0a2';
    expect(await claudeTranscriptComplete({ home, sessionId })).toBe(false);
    const project = path.join(home, '.claude', 'projects', '-tmp-work-copy');
    await mkdir(project, { recursive: true });
    const file = path.join(project, `${sessionId}.jsonl`);
    await writeFile(file, user + toolUse + toolResult);
    expect(await claudeTranscriptComplete({ home, sessionId })).toBe(false);
    // A long transcript: only its end is read.
    await writeFile(file, user.repeat(20_000) + toolUse + toolResult + final);
    expect(await claudeTranscriptComplete({ home, sessionId })).toBe(true);
    // Another session's complete transcript says nothing of this one; nor does a strange id.
    expect(await claudeTranscriptComplete({ home, sessionId: 'another-session' })).toBe(false);
    expect(await claudeTranscriptComplete({ home, sessionId: '../../etc' })).toBe(false);
  });
});
