import {
  type CreateModelProfileInput,
  GoosukeError,
  InvalidInputError,
  type ModelCapabilities,
  type ModelCapabilityOverrides,
  modelCapabilitiesSchema,
  modelProviderSchema,
} from '@goosuke/core';
import { readFirstLine } from '../cli-io.ts';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { defineCommand } from './command.ts';
import { renderModelProfile } from './model-profile-output.ts';

const helpHint = 'see goosuke models add --help';

/** The flag that sets each field of the service's input, to name it in a validation error. */
const flagFor: Record<string, string> = {
  provider: '--provider',
  modelName: '--model',
  displayName: '--name',
  baseUrl: '--base-url',
  apiKey: 'the API key',
};

/** The flag that sets each capability override. */
const capabilityFlagFor: Partial<Record<keyof ModelCapabilities, string>> = {
  contextWindow: '--context-window',
  maxOutputTokens: '--max-output-tokens',
  preferredEditFormat: '--edit-format',
  supportsTemperature: '--no-temperature',
};

const editFormats: readonly string[] = modelCapabilitiesSchema.shape.preferredEditFormat.options;

/**
 * `goosuke models add --provider P --model NAME [--name DISPLAY] [--base-url URL]
 * [--api-key-env VAR | --api-key-stdin] [--context-window N] [--max-output-tokens N]
 * [--edit-format FORMAT] [--no-temperature] [--json]`: stores a model profile, its API key sealed
 * with GOOSUKE_SECRET_KEY, and the capabilities that override the model family table for it. The
 * key is never taken from the command line and never printed.
 */
export const modelsAddCommand = defineCommand({
  name: 'add',
  summary: 'Store a model profile, with its API key encrypted.',
  description: [
    'Stores a model profile: a provider, a model name, an optional display name and endpoint, and',
    'an optional API key, encrypted at rest with the master key named by GOOSUKE_SECRET_KEY.',
    '',
    'The API key is never an argument (it would be kept in shell history and shown by ps): give',
    '--api-key-env VAR to read it from the environment variable VAR (which may be set in .env), or',
    '--api-key-stdin to read it from the first line of stdin. It is never printed.',
    '',
    'Goosuke knows the context window, output limit and best edit format of common model families;',
    '--context-window, --max-output-tokens, --edit-format and --no-temperature override them for',
    'this profile (e.g. the context a local server was really started with).',
    '',
    'Configuration comes from the environment and from .env in the current directory (the',
    'environment wins): GOOSUKE_SECRET_KEY (required), GOOSUKE_DATA_DIR (default .goosuke, which',
    'holds goosuke.db) and GOOSUKE_DATABASE_URL (sqlite:PATH, overrides the database).',
  ].join('\n'),
  arguments: [],
  options: {
    provider: {
      type: 'string',
      valueName: 'PROVIDER',
      description: `The provider: ${modelProviderSchema.options.join(', ')}.`,
    },
    model: {
      type: 'string',
      valueName: 'NAME',
      description: "The provider's model name, e.g. gpt-5.1 or qwen3-coder:30b.",
    },
    name: {
      type: 'string',
      valueName: 'DISPLAY',
      description: 'The name shown to people and accepted by remove (default: the model name).',
    },
    'base-url': {
      type: 'string',
      valueName: 'URL',
      description: 'The endpoint (http or https); required for openai-compatible.',
    },
    'api-key-env': {
      type: 'string',
      valueName: 'VAR',
      description: 'Read the API key from the environment variable VAR.',
    },
    'api-key-stdin': {
      type: 'boolean',
      description: 'Read the API key from the first line of stdin.',
    },
    'context-window': {
      type: 'string',
      valueName: 'N',
      description: 'Input plus output tokens the model accepts in one call (overrides the table).',
    },
    'max-output-tokens': {
      type: 'string',
      valueName: 'N',
      description: 'The most output tokens one call may ask for (overrides the table).',
    },
    'edit-format': {
      type: 'string',
      valueName: 'FORMAT',
      description: `The edit format to ask the model for: ${editFormats.join(', ')}.`,
    },
    'no-temperature': {
      type: 'boolean',
      description: 'Never send a temperature (for models whose API refuses one).',
    },
    json: {
      type: 'boolean',
      description: 'Print the stored profile as one JSON object (without the key).',
    },
  },
  exitCodes: [
    [exitCodes.success, 'The profile was stored.'],
    [exitCodes.usage, 'Usage error (missing or invalid flag, an argument given, key variable unset).'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database failed.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length > 0) {
      // Never echo the arguments: a stray one may well be the key itself.
      throw new InvalidInputError(
        `models add takes no arguments but was given ${positionals.length}; pass the API key with --api-key-env VAR or --api-key-stdin, never as an argument; ${helpHint}`,
      );
    }
    if (options.provider === undefined)
      throw new InvalidInputError(`models add needs --provider; ${helpHint}`);
    if (options.model === undefined) throw new InvalidInputError(`models add needs --model; ${helpHint}`);
    const keyVariable = options['api-key-env'];
    if (keyVariable !== undefined && options['api-key-stdin'] === true) {
      throw new InvalidInputError(`give --api-key-env or --api-key-stdin, not both; ${helpHint}`);
    }
    const capabilities = capabilityOverrides(options);

    const configuration = await readCliConfiguration(io);
    let apiKey: string | undefined;
    if (keyVariable !== undefined) {
      apiKey = configuration.env[keyVariable];
      if (apiKey === undefined || apiKey.trim() === '') {
        throw new InvalidInputError(
          `--api-key-env ${keyVariable}: the environment variable ${keyVariable} is not set; set it (or put it in .env) and try again`,
        );
      }
    } else if (options['api-key-stdin'] === true) {
      apiKey = await readFirstLine(io.stdin);
      if (apiKey.trim() === '') {
        throw new InvalidInputError(`--api-key-stdin: the first line of stdin is empty; pipe the key in`);
      }
    }

    const profile = await withDefaultGoosuke(configuration, async (goosuke) => {
      try {
        return await goosuke.models.create({
          // The service validates it and names the allowed providers.
          provider: options.provider as CreateModelProfileInput['provider'],
          modelName: options.model!,
          ...(options.name === undefined ? {} : { displayName: options.name }),
          ...(options['base-url'] === undefined ? {} : { baseUrl: options['base-url'] }),
          ...(apiKey === undefined ? {} : { apiKey }),
          capabilities,
        });
      } catch (error) {
        throw rewordInvalidInput(error);
      }
    });
    io.stdout.write(
      options.json === true ? `${JSON.stringify(profile, null, 2)}\n` : renderModelProfile(profile),
    );
    return exitCodes.success;
  },
});

/** A token count flag: a whole number above zero, or a usage error naming the flag. */
function positiveCount(flag: string, value: string): number {
  const count = /^[0-9]+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(count) || count < 1) {
    // The value is echoed: these flags carry numbers, never a secret.
    throw new InvalidInputError(
      `invalid ${flag}: expected a whole number of tokens above 0, got "${value}"; ${helpHint}`,
    );
  }
  return count;
}

/** The capability overrides the flags ask for; `{}` when none is given. Usage errors name the flag. */
function capabilityOverrides(options: {
  'context-window'?: string;
  'max-output-tokens'?: string;
  'edit-format'?: string;
  'no-temperature'?: boolean;
}): ModelCapabilityOverrides {
  const overrides: ModelCapabilityOverrides = {};
  const contextWindow = options['context-window'];
  if (contextWindow !== undefined) overrides.contextWindow = positiveCount('--context-window', contextWindow);
  const maxOutputTokens = options['max-output-tokens'];
  if (maxOutputTokens !== undefined) {
    overrides.maxOutputTokens = positiveCount('--max-output-tokens', maxOutputTokens);
  }
  const editFormat = options['edit-format'];
  if (editFormat !== undefined) {
    if (!editFormats.includes(editFormat)) {
      throw new InvalidInputError(
        `invalid --edit-format: "${editFormat}" is not one of ${editFormats.join(', ')}; ${helpHint}`,
      );
    }
    overrides.preferredEditFormat = editFormat as ModelCapabilities['preferredEditFormat'];
  }
  if (options['no-temperature'] === true) overrides.supportsTemperature = false;
  return overrides;
}

/** The flag that sets the field an issue is about, if a flag sets it. */
function flagOf(path: ReadonlyArray<string | number>): string | undefined {
  const [field, capability] = path;
  if (field === 'capabilities' && typeof capability === 'string') {
    return capabilityFlagFor[capability as keyof ModelCapabilities];
  }
  return typeof field === 'string' ? flagFor[field] : undefined;
}

/** Names the flag to fix instead of the service's field, in one line. */
function rewordInvalidInput(error: unknown): unknown {
  if (!GoosukeError.isInstance(error) || error.code !== 'invalid_input') return error;
  const issues = (error as InvalidInputError).issues ?? [];
  const issue = issues[0];
  const flag = issue === undefined ? undefined : flagOf(issue.path);
  if (issue === undefined || flag === undefined) return error;
  const message =
    issue.path[0] === 'baseUrl' && issue.message === 'required for openai-compatible'
      ? 'an openai-compatible profile needs --base-url URL (e.g. http://127.0.0.1:11434/v1)'
      : `invalid ${flag}: ${issue.message}`;
  return new InvalidInputError(`${message}; ${helpHint}`, issues, { cause: error });
}
