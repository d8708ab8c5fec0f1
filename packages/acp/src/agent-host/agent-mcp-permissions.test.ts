import type { ToolCallUpdate } from '@agentclientprotocol/sdk';
import { describe, expect, it } from 'vitest';
import type { AcpPermissionRequest } from '../permission-policy.ts';
import { allowingRunMcpTools, runMcpServerOf } from './agent-mcp-permissions.ts';

const request = (toolCall: Partial<ToolCallUpdate>): AcpPermissionRequest => ({
  toolCall: { toolCallId: 'call-1', ...toolCall },
  options: [],
  workspaceRoot: '/work',
  insideWorkspace: () => true,
});

describe('runMcpServerOf', () => {
  it("finds the run's server in Gemini CLI's and Claude Code's titles", () => {
    expect(
      runMcpServerOf({ toolCallId: 'x', kind: 'other', title: 'add (facts MCP Server)' }, ['facts']),
    ).toBe('facts');
    expect(runMcpServerOf({ toolCallId: 'x', title: 'mcp__facts__add' }, ['facts'])).toBe('facts');
  });

  it("refuses other servers, the adapter's own, bare prefixes and anything with a kind", () => {
    expect(runMcpServerOf({ toolCallId: 'x', title: 'mcp__other__add' }, ['facts'])).toBeNull();
    expect(runMcpServerOf({ toolCallId: 'x', title: 'mcp__acp__Bash' }, ['acp'])).toBeNull();
    expect(runMcpServerOf({ toolCallId: 'x', title: 'mcp__facts__' }, ['facts'])).toBeNull();
    expect(runMcpServerOf({ toolCallId: 'x', title: ' (facts MCP Server)' }, ['facts'])).toBeNull();
    // Gemini titles a shell call with its command: a forged title is still a shell call.
    expect(
      runMcpServerOf({ toolCallId: 'x', kind: 'execute', title: 'rm -rf / (facts MCP Server)' }, ['facts']),
    ).toBeNull();
    expect(runMcpServerOf({ toolCallId: 'x', kind: 'edit', title: 'mcp__facts__add' }, ['facts'])).toBeNull();
  });
});

describe('allowingRunMcpTools', () => {
  const refuseAll = () => ({ allow: false, reason: 'refused by the recipe' });

  it("allows the run's extension tools and leaves everything else to the recipe's policy", async () => {
    const policy = allowingRunMcpTools(refuseAll, ['facts']);
    expect(await policy(request({ title: 'mcp__facts__add' }))).toEqual({
      allow: true,
      reason: "a tool of the run's extension facts",
    });
    expect(await policy(request({ kind: 'execute', title: 'npm install' }))).toEqual(refuseAll());
    expect(await policy(request({ title: 'mcp__elsewhere__add' }))).toEqual(refuseAll());
  });

  it('is the policy itself when the run has no extensions', () => {
    expect(allowingRunMcpTools(refuseAll, [])).toBe(refuseAll);
  });
});
