import { normalizeClaudeToolCall } from './claude-permissions.ts';
import { claudeTranscriptComplete } from './claude-transcript.ts';
import { readGatewayEndpoint } from './gateway-endpoint.ts';
import { baseEnvironment, launchOf, nodeOf, readModel } from './recipe-env.ts';
import { runPermissionPolicy } from './recipe-permissions.ts';
import type { AgentRecipe } from './recipe-types.ts';

/**
 * How long Claude Code may go on after its turn at most: it writes the end of its transcript
 * (which a later `session/load` reads) up to ~1.5 s after the turn. It is stopped as soon as the
 * transcript holds the turn's final message (`claudeTranscriptComplete`), usually well before.
 */
export const claudeCodeStopDelayMs = 2_000;

/**
 * Claude Code through `@zed-industries/claude-code-acp` (its `dist/index.js`, run with Node; it
 * starts Claude Code's `cli.js` with the Node on PATH). Environment: `ANTHROPIC_BASE_URL` = the
 * gateway root, `ANTHROPIC_API_KEY` = the token, `ANTHROPIC_MODEL` = the model (Claude Code
 * picks its own names; the gateway forwards with the profile's model anyway),
 * `CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC=1`, `CLAUDE_CODE_DISABLE_FAST_MODE=1` (else it asks
 * api.anthropic.com for "penguin mode" at start, with the key) and `CLAUDE_CODE_MAX_RETRIES=0`.
 * Session mode `acceptEdits` (its settings file cannot set it: the adapter hard-codes
 * `default`), {@link claudeCodeStopDelayMs} at most (until its transcript is complete), `.claude/settings.local.json` as its own state (removed
 * after the run unless the repository has one), and its permission requests, which carry no kind,
 * normalised by `normalizeClaudeToolCall` before the policy decides them.
 */
export const claudeCodeRecipe: AgentRecipe = (input) => {
  const endpoint = readGatewayEndpoint(input.gateway);
  const model = readModel(input.model);
  const node = nodeOf(input);
  const launch = launchOf(input.executable, node);
  return {
    command: launch.command,
    args: launch.args,
    env: {
      ...baseEnvironment(node),
      ANTHROPIC_BASE_URL: endpoint.baseUrl,
      ANTHROPIC_API_KEY: endpoint.token,
      ANTHROPIC_MODEL: model,
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_DISABLE_FAST_MODE: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
    },
    homeFiles: {},
    homeEnv: {},
    sessionMode: 'acceptEdits',
    stopDelayMs: claudeCodeStopDelayMs,
    stopWhen: claudeTranscriptComplete,
    // On SIGTERM its metrics exporter calls api.anthropic.com; its transcript is complete by now.
    stopSignal: 'SIGKILL',
    // Where Claude Code records the permission rule an allowed edit suggests (`acceptEdits`): its
    // state, not the user's change, which would otherwise land in the run's commit.
    agentStatePaths: ['.claude/settings.local.json'],
    allowLoopbackPorts: [endpoint.port],
    permissionPolicy: runPermissionPolicy({
      allowShell: input.allowShell,
      normalize: (toolCall) => normalizeClaudeToolCall(toolCall),
    }),
  };
};
