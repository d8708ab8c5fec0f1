// agentStatePaths: an agent's own state in the working copy (Claude Code's
// `.claude/settings.local.json`) is removed after the run when the agent made it, kept when the
// repository had it. Real processes (the fake agent of fixtures/, keyword STATE), no sandbox
// needed for what is tested here.
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createAcpAgent } from '@goosuke/acp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { dataOf, fakeAgentPath, inputFor, makeScratch, type Scratch } from './support.ts';

let scratch: Scratch;
beforeEach(async () => {
  scratch = await makeScratch();
});
afterEach(async () => {
  await scratch.cleanup();
});

const agent = (agentStatePaths?: string[]) =>
  createAcpAgent({
    command: process.execPath,
    args: [fakeAgentPath],
    env: { LANG: 'C.UTF-8' },
    unsafeNoSandbox: true,
    ...(agentStatePaths === undefined ? {} : { agentStatePaths }),
  });

describe('agentStatePaths', () => {
  it('removes the state the agent made, and the directory it made for it, but not its real change', async () => {
    const { input, events } = inputFor('Edit. STATE', scratch.workspace);
    const outcome = await agent(['.claude/settings.local.json']).run(input);
    expect(outcome.status).toBe('succeeded');
    expect(existsSync(path.join(scratch.root, '.claude'))).toBe(false);
    expect(await readFile(path.join(scratch.root, 'real-change.txt'), 'utf8')).toBe(
      'the user asked for this\n',
    );
    expect(dataOf(events, 'agent_state_removed')).toEqual([
      { kind: 'agent_state_removed', paths: ['.claude/settings.local.json'] },
    ]);
  });

  it('keeps a state file the repository already had, and the files beside a removed one', async () => {
    await mkdir(path.join(scratch.root, '.claude'));
    await writeFile(path.join(scratch.root, '.claude', 'commands.md'), 'the team’s own\n');
    const { input } = inputFor('Edit. STATE', scratch.workspace);
    await agent(['.claude/settings.local.json']).run(input);
    // The file is gone (the agent made it), the directory it did not make stays with its file.
    expect(existsSync(path.join(scratch.root, '.claude', 'settings.local.json'))).toBe(false);
    expect(await readFile(path.join(scratch.root, '.claude', 'commands.md'), 'utf8')).toBe(
      'the team’s own\n',
    );

    await writeFile(path.join(scratch.root, '.claude', 'settings.local.json'), '{"kept":true}\n');
    const again = inputFor('Edit. STATE', scratch.workspace);
    await agent(['.claude/settings.local.json']).run(again.input);
    // The repository's own file is the repository's: what the agent wrote into it stays a change.
    expect(existsSync(path.join(scratch.root, '.claude', 'settings.local.json'))).toBe(true);
  });

  it('leaves everything without the option', async () => {
    const { input } = inputFor('Edit. STATE', scratch.workspace);
    await agent().run(input);
    expect(existsSync(path.join(scratch.root, '.claude', 'settings.local.json'))).toBe(true);
  });

  it('refuses paths that leave the working copy', () => {
    expect(() => agent(['../outside.json'])).toThrow('must stay under the working copy');
    expect(() => agent(['/etc/passwd'])).toThrow('is absolute: give a path relative to the working copy');
  });
});
