// The built-in agents' recipes and the custom agents' one: pure functions from the run's gateway,
// model and executable to createAcpAgent's options. Checked exactly: the command line, the whole
// environment (an allowlist: nothing of this process's environment), the files written into the
// agent's home, the session mode and the stop delay.
import path from 'node:path';
import {
  type AgentExecutable,
  type AgentRecipeInput,
  builtInRecipe,
  claudeCodeRecipe,
  claudeTranscriptComplete,
  codexRecipe,
  customAgentRecipe,
  geminiRecipe,
  gooseRecipe,
  readGatewayEndpoint,
} from '@goosuke/acp';
import { InvalidInputError } from '@goosuke/core';
import { parse as parseToml } from 'smol-toml';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

const node = '/opt/node24/bin/node';
const gateway = { baseUrl: 'http://127.0.0.1:43121', token: 'gw-run-token-1' };
const script = (file: string): AgentExecutable => ({ path: file, runWith: 'node' });
const binary = (file: string): AgentExecutable => ({ path: file, runWith: 'exec' });
const input = (executable: AgentExecutable, extra: Partial<AgentRecipeInput> = {}): AgentRecipeInput => ({
  gateway,
  model: 'the-model',
  executable,
  allowShell: false,
  nodePath: node,
  ...extra,
});
const base = { PATH: '/opt/node24/bin:/usr/bin:/bin', LANG: 'C.UTF-8' };

// Provider keys and a server secret in this process's environment: none may reach an agent.
const planted = {
  OPENAI_API_KEY: 'sk-real-openai-key',
  ANTHROPIC_API_KEY: 'sk-ant-real-key',
  GEMINI_API_KEY: 'real-gemini-key',
  GOOSUKE_SECRET: 'server-secret-value',
};
const saved: Record<string, string | undefined> = {};
beforeEach(() => {
  for (const [name, value] of Object.entries(planted)) {
    saved[name] = process.env[name];
    process.env[name] = value;
  }
});
afterEach(() => {
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name];
    else process.env[name] = value;
  }
});

/** Fails when a value planted in process.env appears anywhere in what a recipe produced. */
function expectNoLeak(produced: unknown): void {
  const text = JSON.stringify(produced);
  for (const value of Object.values(planted)) expect(text).not.toContain(value);
}

describe('the Gemini CLI recipe', () => {
  it('runs gemini --acp -m MODEL with Node, the gateway as its Gemini API, and settings that stay offline', () => {
    const recipe = geminiRecipe(input(script('/pkgs/@google/gemini-cli/bundle/gemini.js')));
    expect(recipe.command).toBe(node);
    expect(recipe.args).toEqual(['/pkgs/@google/gemini-cli/bundle/gemini.js', '--acp', '-m', 'the-model']);
    expect(recipe.env).toEqual({
      ...base,
      GEMINI_API_KEY: 'gw-run-token-1',
      GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:43121',
      GEMINI_CLI_NO_RELAUNCH: 'true',
    });
    expect(Object.keys(recipe.homeFiles)).toEqual(['.gemini/settings.json']);
    expect(JSON.parse(recipe.homeFiles['.gemini/settings.json']!)).toEqual({
      security: { auth: { selectedType: 'gemini-api-key' }, folderTrust: { enabled: false } },
      privacy: { usageStatisticsEnabled: false },
      general: { enableAutoUpdate: false, enableAutoUpdateNotification: false, maxAttempts: 1 },
    });
    expect(recipe.homeEnv).toEqual({});
    expect(recipe.sessionMode).toBe('autoEdit');
    expect(recipe.stopDelayMs).toBe(0);
    expect(recipe.allowLoopbackPorts).toEqual([43121]);
    expectNoLeak(recipe);
  });

  it('answers to its alias gemini-cli', () => {
    expect(builtInRecipe('gemini-cli')).toBe(geminiRecipe);
    expect(builtInRecipe('claude')).toBe(claudeCodeRecipe);
    expect(() => builtInRecipe('cursor')).toThrow(InvalidInputError);
  });
});

describe('the Claude Code recipe', () => {
  it('runs claude-code-acp with Node, the gateway as its Anthropic API, acceptEdits and a stop delay', () => {
    const entry = '/pkgs/@zed-industries/claude-code-acp/dist/index.js';
    const recipe = claudeCodeRecipe(input(script(entry)));
    expect(recipe.command).toBe(node);
    expect(recipe.args).toEqual([entry]);
    expect(recipe.env).toEqual({
      ...base,
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:43121',
      ANTHROPIC_API_KEY: 'gw-run-token-1',
      ANTHROPIC_MODEL: 'the-model',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
      CLAUDE_CODE_DISABLE_FAST_MODE: '1',
      CLAUDE_CODE_MAX_RETRIES: '0',
    });
    expect(recipe.homeFiles).toEqual({});
    expect(recipe.homeEnv).toEqual({});
    expect(recipe.sessionMode).toBe('acceptEdits');
    expect(recipe.stopDelayMs).toBeGreaterThanOrEqual(1_500);
    // Stopped once its transcript holds the turn, killed outright (SIGTERM wakes its metrics exporter).
    expect(recipe.stopWhen).toBe(claudeTranscriptComplete);
    expect(recipe.stopSignal).toBe('SIGKILL');
    expect(recipe.allowLoopbackPorts).toEqual([43121]);
    expectNoLeak(recipe);
  });
});

describe('the Codex recipe', () => {
  it('runs the native codex-acp with CODEX_HOME in its home and a config.toml on the gateway', () => {
    const native = '/pkgs/@zed-industries/codex-acp-linux-x64/bin/codex-acp';
    const recipe = codexRecipe(input(binary(native)));
    expect(recipe.command).toBe(native);
    expect(recipe.args).toEqual([]);
    expect(recipe.env).toEqual({ ...base, GOOSUKE_GATEWAY_TOKEN: 'gw-run-token-1' });
    expect(recipe.homeEnv).toEqual({ CODEX_HOME: '.codex' });
    expect(Object.keys(recipe.homeFiles)).toEqual(['.codex/config.toml']);
    expect(parseToml(recipe.homeFiles['.codex/config.toml']!)).toEqual({
      model: 'the-model',
      model_provider: 'goosuke',
      approval_policy: 'never',
      sandbox_mode: 'danger-full-access',
      features: { plugins: false },
      analytics: { enabled: false },
      model_providers: {
        goosuke: {
          name: 'Goosuke gateway',
          base_url: 'http://127.0.0.1:43121/v1',
          env_key: 'GOOSUKE_GATEWAY_TOKEN',
          wire_api: 'responses',
          request_max_retries: 0,
          stream_max_retries: 0,
        },
      },
    });
    expect(recipe.sessionMode).toBe('full-access');
    expect(recipe.stopDelayMs).toBe(0);
    expect(recipe.allowLoopbackPorts).toEqual([43121]);
    expectNoLeak(recipe);
  });

  it('writes a model name that TOML must escape as data, not as TOML', () => {
    const model = 'evil"\nmodel_provider = "openai';
    // A model name with a newline is refused outright; quotes and brackets are escaped.
    expect(() => codexRecipe(input(binary('/x/codex-acp'), { model }))).toThrow(InvalidInputError);
    const quoted = 'my"model]\\x';
    const recipe = codexRecipe(input(binary('/x/codex-acp'), { model: quoted }));
    const config = parseToml(recipe.homeFiles['.codex/config.toml']!);
    expect(config.model).toBe(quoted);
    expect(config.model_provider).toBe('goosuke');
  });

  it('runs the npm wrapper with Node when that is what was found', () => {
    const wrapper = '/pkgs/@zed-industries/codex-acp/bin/codex-acp.js';
    const recipe = codexRecipe(input(script(wrapper)));
    expect([recipe.command, ...recipe.args]).toEqual([node, wrapper]);
  });
});

describe('the Goose recipe (goose cannot be installed here: checked up to what it produces)', () => {
  it('runs goose acp on the openai provider at the gateway, state under GOOSE_PATH_ROOT, smart_approve', () => {
    const recipe = gooseRecipe(input(binary('/usr/local/bin/goose')));
    expect(recipe.command).toBe('/usr/local/bin/goose');
    expect(recipe.args).toEqual(['acp']);
    expect(recipe.env).toEqual({
      ...base,
      GOOSE_PROVIDER: 'openai',
      OPENAI_HOST: 'http://127.0.0.1:43121',
      OPENAI_BASE_PATH: 'v1/chat/completions',
      OPENAI_API_KEY: 'gw-run-token-1',
      GOOSE_MODEL: 'the-model',
      GOOSE_MODE: 'smart_approve',
      GOOSE_TELEMETRY_ENABLED: 'false',
      GOOSE_DISABLE_KEYRING: '1',
      GOOSE_DISABLE_SESSION_NAMING: 'true',
    });
    expect(recipe.homeEnv).toEqual({ GOOSE_PATH_ROOT: '.goose' });
    expect(Object.keys(recipe.homeFiles)).toEqual(['.goose/config/config.yaml']);
    expect(JSON.parse(recipe.homeFiles['.goose/config/config.yaml']!)).toEqual({
      GOOSE_TELEMETRY_ENABLED: false,
    });
    expect(recipe.sessionMode).toBeUndefined();
    expect(recipe.stopDelayMs).toBe(0);
    expect(recipe.allowLoopbackPorts).toEqual([43121]);
    expectNoLeak(recipe);
  });

  it('keeps a lease path prefix in the base path, not in the host', () => {
    const recipe = gooseRecipe(
      input(binary('/usr/local/bin/goose'), {
        gateway: { baseUrl: 'http://127.0.0.1:5000/lease/r1/', token: 't' },
      }),
    );
    expect(recipe.env.OPENAI_HOST).toBe('http://127.0.0.1:5000');
    expect(recipe.env.OPENAI_BASE_PATH).toBe('lease/r1/v1/chat/completions');
  });
});

describe('custom agents', () => {
  const definition = {
    name: 'my-agent',
    command: '/opt/my-agent/bin/agent',
    args: ['--acp', '--quiet'],
    sessionMode: 'autoEdit',
  };
  const generic = {
    GOOSUKE_MODEL_BASE_URL: 'http://127.0.0.1:43121',
    GOOSUKE_MODEL_TOKEN: 'gw-run-token-1',
    GOOSUKE_MODEL: 'the-model',
  };
  const custom = (wire: 'anthropic' | 'openai-responses' | 'openai-chat' | 'gemini') =>
    customAgentRecipe({
      definition: { ...definition, wire },
      gateway,
      model: 'the-model',
      allowShell: false,
      nodePath: node,
    });

  it('get the gateway under generic names and under their wire’s conventional ones', () => {
    expect(custom('openai-responses').env).toEqual({
      ...base,
      ...generic,
      GOOSUKE_MODEL_WIRE: 'openai-responses',
      OPENAI_BASE_URL: 'http://127.0.0.1:43121/v1',
      OPENAI_API_KEY: 'gw-run-token-1',
    });
    expect(custom('openai-chat').env).toMatchObject({ OPENAI_BASE_URL: 'http://127.0.0.1:43121/v1' });
    expect(custom('anthropic').env).toEqual({
      ...base,
      ...generic,
      GOOSUKE_MODEL_WIRE: 'anthropic',
      ANTHROPIC_BASE_URL: 'http://127.0.0.1:43121',
      ANTHROPIC_API_KEY: 'gw-run-token-1',
    });
    expect(custom('gemini').env).toEqual({
      ...base,
      ...generic,
      GOOSUKE_MODEL_WIRE: 'gemini',
      GEMINI_API_KEY: 'gw-run-token-1',
      GOOGLE_GEMINI_BASE_URL: 'http://127.0.0.1:43121',
    });
    for (const wire of ['anthropic', 'openai-responses', 'openai-chat', 'gemini'] as const)
      expectNoLeak(custom(wire));
  });

  it('run their command and arguments as defined, in their session mode, with no home files', () => {
    const recipe = custom('anthropic');
    expect([recipe.command, ...recipe.args]).toEqual(['/opt/my-agent/bin/agent', '--acp', '--quiet']);
    expect(recipe.sessionMode).toBe('autoEdit');
    expect(recipe.homeFiles).toEqual({});
    expect(recipe.homeEnv).toEqual({});
    expect(recipe.stopDelayMs).toBe(0);
    expect(recipe.allowLoopbackPorts).toEqual([43121]);
    const none = customAgentRecipe({
      definition: { ...definition, sessionMode: null, wire: 'gemini' },
      gateway,
      model: 'm',
      allowShell: false,
      nodePath: node,
    });
    expect(none.sessionMode).toBeUndefined();
  });

  it('refuse a relative command with a slash', () => {
    expect(() =>
      customAgentRecipe({
        definition: { ...definition, command: 'bin/agent', wire: 'gemini' },
        gateway,
        model: 'm',
        allowShell: false,
        nodePath: node,
      }),
    ).toThrow(InvalidInputError);
  });
});

describe('the gateway endpoint', () => {
  it('is plain http on 127.0.0.1, its port allowed through the sandbox', () => {
    expect(readGatewayEndpoint({ baseUrl: 'http://127.0.0.1:8080/', token: 't' })).toEqual({
      baseUrl: 'http://127.0.0.1:8080',
      token: 't',
      port: 8080,
    });
    expect(readGatewayEndpoint({ baseUrl: 'http://127.0.0.1:8080/lease/abc/', token: 't' }).baseUrl).toBe(
      'http://127.0.0.1:8080/lease/abc',
    );
  });

  it.each([
    ['https://127.0.0.1:8443', 'is not http'],
    ['http://localhost:8080', 'is not on 127.0.0.1'],
    ['http://10.0.0.5:8080', 'is not on 127.0.0.1'],
    ['http://[::1]:8080', 'is not on 127.0.0.1'],
    ['http://user:pw@127.0.0.1:8080', 'carries credentials'],
    ['http://127.0.0.1:8080/?key=x', 'has a query or a fragment'],
    ['not a url', 'is not a URL'],
  ])('refuses %s', (baseUrl, why) => {
    expect(() => readGatewayEndpoint({ baseUrl, token: 't' })).toThrow(InvalidInputError);
    expect(() => readGatewayEndpoint({ baseUrl, token: 't' })).toThrow(why);
    for (const recipe of [geminiRecipe, claudeCodeRecipe, codexRecipe, gooseRecipe]) {
      expect(() => recipe(input(binary('/x/agent'), { gateway: { baseUrl, token: 't' } }))).toThrow(
        InvalidInputError,
      );
    }
  });

  it('refuses an empty or multi-line token and a model that reads as a flag', () => {
    expect(() => readGatewayEndpoint({ baseUrl: gateway.baseUrl, token: '' })).toThrow(InvalidInputError);
    expect(() => readGatewayEndpoint({ baseUrl: gateway.baseUrl, token: 'a\nb' })).toThrow(InvalidInputError);
    expect(() => geminiRecipe(input(script('/x/gemini.js'), { model: '--yolo' }))).toThrow(InvalidInputError);
  });
});

describe('PATH', () => {
  it('starts with the Node binary’s directory, defaulting to this process’s Node', () => {
    const recipe = geminiRecipe({
      gateway,
      model: 'm',
      executable: script('/x/gemini.js'),
      allowShell: false,
    });
    expect(recipe.command).toBe(process.execPath);
    expect(recipe.env.PATH?.split(':')[0]).toBe(path.dirname(process.execPath));
  });
});
