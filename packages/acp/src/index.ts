/**
 * @goosuke/acp: a Goosuke Agent that drives any coding agent speaking the Agent Client Protocol
 * (Claude Code, Codex, Gemini CLI, Goose, custom ones) as a child process in the run's working copy.
 */
export { createAcpAgent } from './acp-agent.ts';
export { type AcpAgentOptions, acpAgentDefaults } from './acp-agent-options.ts';
export { type AgentDirs, type AgentDirsRequest, prepareAgentDirs } from './agent-dirs.ts';
export {
  type AcpAgentHost,
  type AcpAgentHostOptions,
  createAcpAgentHost,
} from './agent-host/acp-agent-host.ts';
export {
  type AgentMcpBridge,
  type AgentMcpBridgeFactory,
  type AgentMcpServers,
  agentMcpServersOf,
  lookUp as findExecutable,
} from './agent-host/agent-mcp-servers.ts';
export { type AgentStart, agentVisiblePaths, serverVisiblePaths } from './agent-host/agent-visible-paths.ts';
export { type BuiltInAgentSource, builtInAgentSources } from './agent-host/built-in-sources.ts';
export { type AgentProcess, describeExit, type ProcessExit, startAgentProcess } from './agent-process.ts';
export type {
  AgentLaunch,
  AgentSandbox,
  ConfinedLaunch,
  ProcessLaunch,
  SandboxAvailability,
} from './agent-sandbox.ts';
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
export { claudeCodeRecipe, claudeCodeStopDelayMs } from './recipes/claude-code-recipe.ts';
export { normalizeClaudeToolCall } from './recipes/claude-permissions.ts';
export { claudeTranscriptComplete } from './recipes/claude-transcript.ts';
export { codexConfig, codexRecipe, codexTokenVariable } from './recipes/codex-recipe.ts';
export { type CustomRecipeInput, customAgentRecipe } from './recipes/custom-recipe.ts';
export { type GatewayEndpoint, readGatewayEndpoint } from './recipes/gateway-endpoint.ts';
export { geminiRecipe, geminiSettings } from './recipes/gemini-recipe.ts';
export { normalizeGooseToolCall } from './recipes/goose-permissions.ts';
export { gooseConfig, gooseRecipe } from './recipes/goose-recipe.ts';
export { builtInRecipe, builtInRecipes } from './recipes/index.ts';
export { wireEnvironment } from './recipes/recipe-env.ts';
export {
  type RunPermissionOptions,
  runPermissionPolicy,
  type ToolCallNormalizer,
} from './recipes/recipe-permissions.ts';
export type {
  AgentExecutable,
  AgentLaunchRecipe,
  AgentRecipe,
  AgentRecipeInput,
  GatewayCoordinates,
} from './recipes/recipe-types.ts';
