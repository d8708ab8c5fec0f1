// How the recipes' policies decide permission requests shaped as the real agents send them:
// claude-code-acp's carry no kind ({ toolCallId, rawInput, title } and Allow/Always/Reject
// options), Goose's say `other`. They are normalised, then the default policy decides, with
// shell commands allowed only when the run allows them.
import path from 'node:path';
import type { PermissionOption, ToolCallUpdate } from '@agentclientprotocol/sdk';
import {
  type AcpPermissionPolicy,
  type AgentRecipeInput,
  claudeCodeRecipe,
  codexRecipe,
  geminiRecipe,
  gooseRecipe,
  normalizeClaudeToolCall,
} from '@goosuke/acp';
import { describe, expect, it } from 'vitest';

const root = '/work/runs/r1/repo';
const claudeOptions: PermissionOption[] = [
  { optionId: 'allow_always', name: 'Always Allow', kind: 'allow_always' },
  { optionId: 'allow', name: 'Allow', kind: 'allow_once' },
  { optionId: 'reject', name: 'Reject', kind: 'reject_once' },
];
const input = (allowShell: boolean): AgentRecipeInput => ({
  gateway: { baseUrl: 'http://127.0.0.1:43121', token: 't' },
  model: 'm',
  executable: { path: '/x/agent', runWith: 'exec' },
  allowShell,
  nodePath: '/usr/bin/node',
});
/** Inside the working copy as the client decides it: under the root, not in `.git`. */
const insideWorkspace = (candidate: string) =>
  path.isAbsolute(candidate) &&
  candidate.startsWith(`${root}/`) &&
  !candidate
    .slice(root.length + 1)
    .split('/')
    .includes('.git');
const decide = async (policy: AcpPermissionPolicy, toolCall: ToolCallUpdate) =>
  await policy({ toolCall, options: claudeOptions, workspaceRoot: root, insideWorkspace });

/** Claude Code 2.1's requests through claude-code-acp 0.16: title and raw input, no kind. */
const claude = {
  editInside: {
    toolCallId: 'toolu_01',
    title: `Edit \`${root}/src/app.ts\``,
    rawInput: { file_path: `${root}/src/app.ts`, old_string: 'a', new_string: 'b' },
  },
  acpEditInside: {
    toolCallId: 'toolu_02',
    title: `Edit ${root}/README.md`,
    rawInput: { file_path: `${root}/README.md`, old_string: 'x', new_string: 'y' },
  },
  writeInside: {
    toolCallId: 'toolu_03',
    title: `Write ${root}/new.txt`,
    rawInput: { file_path: `${root}/new.txt`, content: 'hello\n' },
  },
  multiEditInside: {
    toolCallId: 'toolu_04',
    title: `Edit \`${root}/src/app.ts\``,
    rawInput: { file_path: `${root}/src/app.ts`, edits: [{ old_string: 'a', new_string: 'b' }] },
  },
  writeOutside: {
    toolCallId: 'toolu_05',
    title: 'Write /etc/cron.d/evil',
    rawInput: { file_path: '/etc/cron.d/evil', content: '* * * * * root true\n' },
  },
  editGitConfig: {
    toolCallId: 'toolu_06',
    title: `Edit \`${root}/.git/config\``,
    rawInput: { file_path: `${root}/.git/config`, old_string: 'a', new_string: 'b' },
  },
  readInside: {
    toolCallId: 'toolu_07',
    title: `Read ${root}/src/app.ts`,
    rawInput: { file_path: `${root}/src/app.ts` },
  },
  bash: {
    toolCallId: 'toolu_08',
    title: '`npm test`',
    rawInput: { command: 'npm test', description: 'Run the tests' },
  },
  mcp: { toolCallId: 'toolu_09', title: 'mcp__answers__lookup_answer', rawInput: { question: 'q' } },
  // A title that says Edit over an input that runs a command: never taken for an edit.
  disguised: {
    toolCallId: 'toolu_10',
    title: `Edit ${root}/a.ts`,
    rawInput: { file_path: `${root}/a.ts`, command: 'rm -rf /' },
  },
  // Newer adapters name the tool: that wins over the title.
  named: {
    toolCallId: 'toolu_11',
    title: 'Something',
    rawInput: { file_path: `${root}/b.ts`, content: 'x' },
    _meta: { claudeCode: { toolName: 'mcp__acp__Write' } },
  },
} satisfies Record<string, ToolCallUpdate>;

describe('Claude Code permission requests (no kind), normalised', () => {
  it('give edits, writes and reads their kind and file path', () => {
    expect(normalizeClaudeToolCall(claude.editInside)).toMatchObject({
      kind: 'edit',
      locations: [{ path: `${root}/src/app.ts` }],
    });
    expect(normalizeClaudeToolCall(claude.writeInside)).toMatchObject({
      kind: 'edit',
      locations: [{ path: `${root}/new.txt` }],
    });
    expect(normalizeClaudeToolCall(claude.readInside)).toMatchObject({ kind: 'read' });
    expect(normalizeClaudeToolCall(claude.bash).kind).toBe('execute');
    expect(normalizeClaudeToolCall(claude.mcp).kind).toBe('other');
    expect(normalizeClaudeToolCall(claude.disguised).kind).toBe('other');
    expect(normalizeClaudeToolCall(claude.named)).toMatchObject({
      kind: 'edit',
      locations: [{ path: `${root}/b.ts` }],
    });
  });

  it('allow edits inside the working copy and refuse the rest, and Bash unless the run allows shell', async () => {
    const policy = claudeCodeRecipe(input(false)).permissionPolicy;
    const allowed = async (toolCall: ToolCallUpdate) => (await decide(policy, toolCall)).allow;
    expect(await allowed(claude.editInside)).toBe(true);
    expect(await allowed(claude.acpEditInside)).toBe(true);
    expect(await allowed(claude.writeInside)).toBe(true);
    expect(await allowed(claude.multiEditInside)).toBe(true);
    expect(await allowed(claude.readInside)).toBe(true);
    expect(await allowed(claude.named)).toBe(true);
    expect(await allowed(claude.writeOutside)).toBe(false);
    expect(await allowed(claude.editGitConfig)).toBe(false);
    expect(await allowed(claude.bash)).toBe(false);
    expect(await allowed(claude.mcp)).toBe(false);
    expect(await allowed(claude.disguised)).toBe(false);

    const shell = claudeCodeRecipe(input(true)).permissionPolicy;
    expect(await decide(shell, claude.bash)).toEqual({
      allow: true,
      reason: 'shell commands are allowed for this run (kind execute inferred from the request)',
    });
    // allowShell grants commands, nothing else.
    expect((await decide(shell, claude.writeOutside)).allow).toBe(false);
    expect((await decide(shell, claude.mcp)).allow).toBe(false);
  });

  it('say in the reason that the kind was inferred', async () => {
    const decision = await decide(claudeCodeRecipe(input(false)).permissionPolicy, claude.writeOutside);
    expect(decision.reason).toBe(
      '/etc/cron.d/evil is outside the working copy (kind edit inferred from the request)',
    );
  });
});

describe('Goose permission requests (kind other), normalised', () => {
  const goose = (title: string, rawInput: Record<string, unknown>): ToolCallUpdate => ({
    toolCallId: 'g1',
    title,
    kind: 'other',
    status: 'pending',
    rawInput,
  });

  it('allow writes and edits inside (relative paths resolved against the root), shell only when allowed', async () => {
    const policy = gooseRecipe(input(false)).permissionPolicy;
    expect((await decide(policy, goose('Write', { path: 'notes.txt', content: 'x' }))).allow).toBe(true);
    expect(
      (await decide(policy, goose('Developer: Edit', { path: `${root}/a.ts`, before: 'a', after: 'b' })))
        .allow,
    ).toBe(true);
    expect((await decide(policy, goose('Write', { path: '../escape.txt', content: 'x' }))).allow).toBe(false);
    expect(
      (await decide(policy, goose('Edit', { path: '.git/hooks/pre-commit', before: '', after: 'x' }))).allow,
    ).toBe(false);
    expect((await decide(policy, goose('Shell', { command: 'ls' }))).allow).toBe(false);
    expect((await decide(policy, goose('Answers: Lookup Answer', { question: 'q' }))).allow).toBe(false);
    expect(
      (await decide(gooseRecipe(input(true)).permissionPolicy, goose('Developer: Shell', { command: 'ls' })))
        .allow,
    ).toBe(true);
  });
});

describe('agents that send a kind', () => {
  it('are decided as they ask: execute only when the run allows shell', async () => {
    const execute: ToolCallUpdate = { toolCallId: 'e1', title: 'run_shell_command', kind: 'execute' };
    const edit: ToolCallUpdate = {
      toolCallId: 'e2',
      title: 'replace',
      kind: 'edit',
      content: [{ type: 'diff', path: `${root}/a.ts`, oldText: 'a', newText: 'b' }],
    };
    for (const recipe of [geminiRecipe, codexRecipe]) {
      expect((await decide(recipe(input(false)).permissionPolicy, execute)).allow).toBe(false);
      expect((await decide(recipe(input(true)).permissionPolicy, execute)).allow).toBe(true);
      expect((await decide(recipe(input(false)).permissionPolicy, edit)).allow).toBe(true);
    }
    // A request without a kind from an agent that is not normalised is refused.
    expect((await decide(geminiRecipe(input(true)).permissionPolicy, claude.editInside)).allow).toBe(false);
  });
});
