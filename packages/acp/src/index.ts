/**
 * @goosuke/acp: a Goosuke Agent that drives any coding agent speaking the Agent Client Protocol
 * (Claude Code, Codex, Gemini CLI, Goose, custom ones) as a child process in the run's working copy.
 */
export { createAcpAgent } from './acp-agent.ts';
export { type AcpAgentOptions, acpAgentDefaults } from './acp-agent-options.ts';
export type { AgentLaunch, AgentSandbox, ConfinedLaunch, SandboxAvailability } from './agent-sandbox.ts';
export {
  type BubblewrapSandboxOptions,
  bubblewrapSandboxDefaults,
  createBubblewrapSandbox,
  probeBubblewrap,
} from './bubblewrap-sandbox.ts';
export {
  type AcpPermissionDecision,
  type AcpPermissionPolicy,
  type AcpPermissionRequest,
  defaultAcpPermissionPolicy,
} from './permission-policy.ts';
