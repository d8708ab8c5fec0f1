import type {
  AccessToken,
  Action,
  AgentDefinition,
  Extension,
  Message,
  ModelProfile,
  PullRequest,
  RefreshToken,
  Repo,
  Run,
  Setting,
  Task,
  Template,
  User,
} from '../domain/index.ts';
import type { NewRunEvent } from '../ports/index.ts';

// One counter for the whole process: ids, unique names and timestamps never repeat within a
// test run, whatever the order in which tests call the builders.
let builtCount = 0;

// Builder ids carry `_built_` so they never collide with `createSequentialIdGenerator` ids
// (`task_000001`) when a test mixes built entities with entities made by services.
function nextNumber(): number {
  builtCount += 1;
  return builtCount;
}

function padded(number: number): string {
  return String(number).padStart(6, '0');
}

const builtEpoch = Date.UTC(2026, 0, 1, 0, 0, 0, 0);

// Each built entity is one second after the previous one, so building order is list order.
function builtTimestamp(number: number): string {
  return new Date(builtEpoch + number * 1000).toISOString();
}

/** A fresh id as the builders make them: `<prefix>_built_000042`. Unique within the process. */
export function buildId(prefix: string): string {
  return `${prefix}_built_${padded(nextNumber())}`;
}

/**
 * A model profile with every field filled (`baseUrl` set, some capabilities overridden).
 * `hasApiKey` is false: stores derive it from the stored key, so a built profile round-trips
 * unchanged.
 */
export function buildModelProfile(overrides: Partial<ModelProfile> = {}): ModelProfile {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `model_built_${padded(number)}`,
    provider: 'openai-compatible',
    modelName: `qwen3-coder:30b-${number}`,
    displayName: `Local Qwen ${number}`,
    baseUrl: 'http://127.0.0.1:11434/v1',
    hasApiKey: false,
    capabilities: { contextWindow: 65_536, supportsTemperature: false, preferredEditFormat: 'whole-file' },
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** A repository with every field filled; `url` is unique per call. */
export function buildRepo(overrides: Partial<Repo> = {}): Repo {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `repo_built_${padded(number)}`,
    name: `acme/widgets-${number}`,
    url: `https://github.com/acme/widgets-${number}.git`,
    defaultBranch: 'main',
    codeHost: 'github',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/**
 * A repo task with every nullable field set but `chosenRunId` (its run must belong to the task,
 * so it is set once the task has runs). `repoId`, `actionId` and `createdBy` are fresh ids that
 * reference nothing: override them with stored entities where references matter.
 */
export function buildTask(overrides: Partial<Task> = {}): Task {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `task_built_${padded(number)}`,
    title: `Fix the flaky widget test #${number}`,
    repoId: `repo_built_${padded(number)}`,
    baseBranch: 'main',
    actionId: `action_built_${padded(number)}`,
    templateId: `template_built_${padded(number)}`,
    trigger: 'webhook',
    status: 'succeeded',
    createdBy: `user_built_${padded(number)}`,
    firedBy: null,
    chosenRunId: null,
    archived: false,
    extensionIds: [`extension_built_${padded(number)}`],
    discordChannel: { guildId: '100000000000000001', channelId: `2000000000000${padded(number).slice(-5)}` },
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** An assistant message with `runId` and `createdBy` set (fresh ids; override them as needed). */
export function buildMessage(overrides: Partial<Message> = {}): Message {
  const number = nextNumber();
  return {
    id: `message_built_${padded(number)}`,
    taskId: `task_built_${padded(number)}`,
    role: 'assistant',
    content: `Done: the widget test now waits for the render (message ${number}).\nSee the patch.`,
    runId: `run_built_${padded(number)}`,
    createdBy: `user_built_${padded(number)}`,
    createdAt: builtTimestamp(number),
    ...overrides,
  };
}

/**
 * A finished run with every nullable field set: base ref (the task's base branch) with its
 * source, commit, branch, summary, patch, files changed (one rename), warnings, error, usage
 * with cost, start and end times.
 */
export function buildRun(overrides: Partial<Run> = {}): Run {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `run_built_${padded(number)}`,
    taskId: `task_built_${padded(number)}`,
    messageId: `message_built_${padded(number)}`,
    executor: { kind: 'model', modelProfileId: `model_built_${padded(number)}` },
    instruction: 'Make the widget test deterministic.',
    baseRef: 'main',
    baseSource: { kind: 'base-branch' },
    baseCommit: '0123456789abcdef0123456789abcdef01234567',
    workingBranch: `goosuke/run-${number}`,
    status: 'failed',
    summary: 'Rewrote the wait; verification failed on one test.',
    patch:
      'diff --git a/src/widget.ts b/src/widget.ts\n--- a/src/widget.ts\n+++ b/src/widget.ts\n@@ -1 +1 @@\n-old\n+new\n',
    filesChanged: [
      { path: 'src/widget.ts', oldPath: null, status: 'modified', added: 1, removed: 1 },
      { path: 'src/gadget.ts', oldPath: 'src/old-gadget.ts', status: 'renamed', added: 0, removed: 0 },
    ],
    warnings: ['context truncated to 120000 tokens'],
    error: { code: 'verification_failed', message: '1 test failed' },
    usage: { inputTokens: 12_345, outputTokens: 678, cachedInputTokens: 9_000, costUsd: 0.0421 },
    createdAt: at,
    startedAt: at,
    completedAt: at,
    cancelRequestedAt: at,
    maxCostUsd: 2.5,
    maxTokens: 500_000,
    allowShell: false,
    agentSession: { id: `session-${number}`, directoryRunId: `run_built_${padded(number)}`, resumed: false },
    extensions: [
      {
        id: `extension_built_${padded(number)}`,
        name: `github-${number}`,
        server: { name: 'github-mcp', version: '1.2.3', checkedAt: at },
      },
    ],
    ...overrides,
  };
}

/** A run event without `sequence` (the store assigns it), with nested `data`. */
export function buildRunEvent(overrides: Partial<NewRunEvent> = {}): NewRunEvent {
  const number = nextNumber();
  return {
    id: `event_built_${padded(number)}`,
    runId: `run_built_${padded(number)}`,
    type: 'run-log',
    level: 'info',
    message: `called read_file (${number})`,
    data: { tool: 'read_file', arguments: { path: 'src/widget.ts', lines: [1, 40] }, ok: true },
    createdAt: builtTimestamp(number),
    ...overrides,
  };
}

/** An open pull request; `number` is unique per call, references are fresh ids. */
export function buildPullRequest(overrides: Partial<PullRequest> = {}): PullRequest {
  const number = nextNumber();
  const at = builtTimestamp(number);
  const prNumber = overrides.number ?? number;
  return {
    id: `pull_request_built_${padded(number)}`,
    taskId: `task_built_${padded(number)}`,
    repoId: `repo_built_${padded(number)}`,
    runId: `run_built_${padded(number)}`,
    number: prNumber,
    url: `https://github.com/acme/widgets/pull/${prNumber}`,
    title: `Make the widget test deterministic (#${number})`,
    body: 'Generated by Goosuke.\n\n- waits for render\n- removes sleep',
    branch: `goosuke/task-${number}`,
    baseBranch: 'main',
    state: 'open',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** An enabled admin user; `username` is unique per call. */
export function buildUser(overrides: Partial<User> = {}): User {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `user_built_${padded(number)}`,
    username: `user-${padded(number)}`,
    displayName: `User ${number}`,
    role: 'admin',
    disabled: false,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/**
 * An enabled webhook action with nested `config`, a parameter mapping, a callback URL and
 * `repoId` and `ownerId` set (fresh ids that reference nothing: override them with stored
 * entities where references matter); `name` is unique per call. `hasWebhookSecret` is false:
 * stores derive it from the stored secret, so a built action round-trips unchanged.
 */
export function buildAction(overrides: Partial<Action> = {}): Action {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `action_built_${padded(number)}`,
    name: `summarise-issue-${number}`,
    templateId: `template_built_${padded(number)}`,
    trigger: 'webhook',
    config: {
      mapping: { title: '$.issue.title', body: '$.issue.body' },
      labels: ['bug', 'triage'],
      maxLength: 2000,
      dryRun: false,
      note: null,
    },
    repoId: `repo_built_${padded(number)}`,
    ownerId: `user_built_${padded(number)}`,
    callbackUrl: `https://hooks.example.com/goosuke/${number}?source=action`,
    parameterMapping: { thread: '$.issue.body', bullets: '$.inputs.bullets' },
    hasWebhookSecret: false,
    enabled: true,
    extensionIds: [`extension_built_${padded(number)}`],
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/**
 * A template with one parameter of every type, default models and extensions, and `repoId`
 * set (a fresh id: override it with a stored repo where references matter); `name` is unique.
 */
export function buildTemplate(overrides: Partial<Template> = {}): Template {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `template_built_${padded(number)}`,
    name: `summarise-${number}`,
    description: 'Summarise a thread in a few bullet points.',
    prompt: 'Summarise {{thread}} in at most {{bullets}} bullets. Tone: {{tone}}. Links: {{links}}.',
    parameters: [
      {
        name: 'thread',
        type: 'string',
        description: 'The text',
        required: true,
        options: null,
        default: null,
      },
      {
        name: 'bullets',
        type: 'number',
        description: 'How many',
        required: false,
        options: null,
        default: 5,
      },
      {
        name: 'links',
        type: 'boolean',
        description: 'Keep links',
        required: false,
        options: null,
        default: true,
      },
      {
        name: 'tone',
        type: 'enum',
        description: 'Style',
        required: false,
        options: ['neutral', 'friendly'],
        default: 'neutral',
      },
    ],
    defaultModelProfileIds: [`model_built_${padded(number)}`],
    defaultAgents: [{ agent: 'codex', model: `model_built_${padded(number)}` }],
    allowShell: true,
    maxCostUsd: 1.25,
    maxTokens: 250_000,
    extensionIds: [`extension_built_${padded(number)}`],
    outputKind: 'text',
    repoId: `repo_built_${padded(number)}`,
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** A stdio extension with args, headers, a plain and a secret env var; `name` is unique per call. */
export function buildExtension(overrides: Partial<Extension> = {}): Extension {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `extension_built_${padded(number)}`,
    name: `filesystem-${number}`,
    description: 'Reads and writes files under /srv/data.',
    type: 'stdio',
    command: 'npx',
    args: ['-y', '@modelcontextprotocol/server-filesystem', '/srv/data'],
    cwd: '/srv',
    uri: 'https://mcp.example.com/mcp',
    headers: [
      { name: 'x-team', value: 'widgets', secret: false },
      { name: 'authorization', value: 'v1.key.sealed-header', secret: true },
    ],
    timeoutSeconds: 300,
    env: [
      { name: 'LOG_LEVEL', value: 'debug', secret: false },
      { name: 'API_TOKEN', value: 'v1.key.sealed-envelope', secret: true },
    ],
    enabled: true,
    alwaysOn: true,
    server: { name: 'secure-filesystem-server', version: '0.6.2', checkedAt: at },
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** A custom agent with every field set; `name` is unique per call. */
export function buildAgentDefinition(overrides: Partial<AgentDefinition> = {}): AgentDefinition {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `agent_built_${padded(number)}`,
    name: `my-agent-${number}`,
    command: '/usr/local/bin/my-agent',
    args: ['--acp', '--model-from-env'],
    wire: 'openai-chat',
    sessionMode: 'auto',
    description: 'A team-internal ACP agent.',
    createdAt: at,
    updatedAt: at,
    ...overrides,
  };
}

/** A plain (not secret) setting with an object value and a description; `key` is unique per call. */
export function buildSetting(overrides: Partial<Setting> = {}): Setting {
  const number = nextNumber();
  return {
    key: `built.setting-${number}`,
    value: { enabled: true, limit: number, tags: ['a', 'b'] },
    secret: false,
    description: `built setting ${number}`,
    updatedAt: builtTimestamp(number),
    ...overrides,
  };
}

/**
 * A live personal access token record (not used, not revoked, expiring 90 days after it was
 * made). `userId` defaults to a fresh id: give the id of a stored user.
 */
export function buildAccessToken(overrides: Partial<AccessToken> = {}): AccessToken {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `token_built_${padded(number)}`,
    userId: `user_built_${padded(number)}`,
    name: `CI token ${number}`,
    prefix: `gsk_${padded(number)}`,
    expiresAt: new Date(Date.parse(at) + 90 * 86_400_000).toISOString(),
    lastUsedAt: null,
    revokedAt: null,
    createdAt: at,
    ...overrides,
  };
}

/**
 * A live refresh token record (unused, not revoked, expiring 30 days after it was made), the
 * first of its own family. `userId` defaults to a fresh id: give the id of a stored user.
 */
export function buildRefreshToken(overrides: Partial<RefreshToken> = {}): RefreshToken {
  const number = nextNumber();
  const at = builtTimestamp(number);
  return {
    id: `refresh_built_${padded(number)}`,
    userId: `user_built_${padded(number)}`,
    familyId: `family_built_${padded(number)}`,
    expiresAt: new Date(Date.parse(at) + 30 * 86_400_000).toISOString(),
    usedAt: null,
    revokedAt: null,
    createdAt: at,
    authenticatedAt: at,
    ...overrides,
  };
}
