import { z } from 'zod';
import type { Setting } from '../domain/index.ts';
import { InvalidInputError, UnsupportedError } from '../errors/index.ts';
import { isoNow } from '../ports/clock.ts';
import type { CodeHost, CodeHostResolver, HostedRepository } from '../ports/code-host.ts';
import { parseInput } from './parse-input.ts';
import type { ServiceContext } from './service-context.ts';
import { sealSettingSecret } from './setting-service.ts';

/**
 * The settings that configure GitHub when the environment does not, by the environment variable
 * each one stands for (the default composition reads the variables first).
 */
export const gitHubSettingKeys = {
  GITHUB_TOKEN: 'github.token',
  GOOSUKE_GITHUB_APP_ID: 'github.app-id',
  GOOSUKE_GITHUB_APP_PRIVATE_KEY: 'github.app-private-key',
  GOOSUKE_GITHUB_APP_INSTALLATION_ID: 'github.app-installation-id',
  GOOSUKE_GITHUB_API_URL: 'github.api-url',
} as const;

/** Which of {@link gitHubSettingKeys} hold secrets (sealed with the SecretBox, never shown). */
export const secretGitHubSettingKeys: ReadonlySet<string> = new Set([
  gitHubSettingKeys.GITHUB_TOKEN,
  gitHubSettingKeys.GOOSUKE_GITHUB_APP_PRIVATE_KEY,
]);

/**
 * A change to the stored GitHub configuration: a field given sets it, `null` removes it, a field
 * left out stays. The token and the private key are write-only.
 */
export const gitHubConfigInputSchema = z
  .object({
    /** The API base URL; `https://<host>/api/v3` for GitHub Enterprise Server. Default GitHub's. */
    apiUrl: z
      .url({ protocol: /^https?$/ })
      .max(500)
      .nullable()
      .optional(),
    /** A token (personal access token or fine-grained token). */
    token: z.string().trim().min(1).max(1000).nullable().optional(),
    /** A GitHub App: its id ... */
    appId: z.number().int().positive().nullable().optional(),
    /** ... its private key (PEM, or the base64 of a PEM) ... */
    appPrivateKey: z.string().trim().min(1).max(20_000).nullable().optional(),
    /** ... and the id of its installation on the repositories' owner. */
    installationId: z.number().int().positive().nullable().optional(),
  })
  .strict()
  .meta({ id: 'GitHubConfigInput' });
/** A change to the stored GitHub configuration. */
export type GitHubConfigInput = z.infer<typeof gitHubConfigInputSchema>;

/** The stored GitHub configuration as it may be shown: no token, no key. */
export const gitHubConfigViewSchema = z
  .object({
    /** How the stored configuration authenticates, or null when it does not. */
    auth: z.enum(['token', 'app']).nullable(),
    apiUrl: z.string().nullable(),
    appId: z.number().int().nullable(),
    installationId: z.number().int().nullable(),
    hasToken: z.boolean(),
    hasAppPrivateKey: z.boolean(),
    /**
     * True when the server is configured through its environment (`GITHUB_TOKEN`,
     * `GOOSUKE_GITHUB_APP_*`), which wins over the stored configuration.
     */
    fromEnvironment: z.boolean(),
  })
  .meta({ id: 'GitHubConfig' });
/** The GitHub configuration view. */
export type GitHubConfigView = z.infer<typeof gitHubConfigViewSchema>;

/** GitHub's configuration and what it offers (repositories, branches). */
export interface GitHubService {
  /** The stored configuration, without secrets. */
  getConfig(): Promise<GitHubConfigView>;
  /**
   * Changes the stored configuration in one transaction (secrets sealed first). InvalidInputError
   * when the result would be half an App (id, key and installation go together) or the key is
   * not a PEM private key.
   */
  setConfig(input: GitHubConfigInput): Promise<GitHubConfigView>;
  /** Repositories the configured credentials reach. UnsupportedError when GitHub is not configured. */
  listRepositories(): Promise<HostedRepository[]>;
  /** Branch names of `owner/name`. UnsupportedError when GitHub is not configured. */
  listBranches(owner: string, name: string): Promise<string[]>;
}

const repositoryPartSchema = z.string().regex(/^[A-Za-z0-9._-]{1,100}$/, 'a GitHub owner or repository name');

/** Whether `text` is a PEM private key, or the base64 of one (as environment variables hold it). */
function looksLikePrivateKey(text: string): boolean {
  const pem = /-----BEGIN [A-Z ]*PRIVATE KEY-----[\s\S]+-----END [A-Z ]*PRIVATE KEY-----/;
  if (pem.test(text)) return true;
  if (!/^[A-Za-z0-9+/=\s]+$/.test(text)) return false;
  try {
    return pem.test(atob(text.replace(/\s+/g, '')));
  } catch {
    return false;
  }
}

/** Builds the GitHub service on the settings store and the composition's code host resolver. */
export function createGitHubService(
  context: ServiceContext & { codeHosts: CodeHostResolver | undefined },
): GitHubService {
  const { store, secretBox, clock } = context;

  async function view(): Promise<GitHubConfigView> {
    const get = (key: string) => store.settings.get(key);
    const [token, appId, appPrivateKey, installationId, apiUrl] = await Promise.all([
      get(gitHubSettingKeys.GITHUB_TOKEN),
      get(gitHubSettingKeys.GOOSUKE_GITHUB_APP_ID),
      get(gitHubSettingKeys.GOOSUKE_GITHUB_APP_PRIVATE_KEY),
      get(gitHubSettingKeys.GOOSUKE_GITHUB_APP_INSTALLATION_ID),
      get(gitHubSettingKeys.GOOSUKE_GITHUB_API_URL),
    ]);
    const number = (setting: Setting | null) =>
      setting === null || setting.secret
        ? null
        : Number.isSafeInteger(Number(setting.value))
          ? Number(setting.value)
          : null;
    const app = appId !== null && appPrivateKey !== null && installationId !== null;
    const primary = await context.codeHosts?.primary().catch(() => null);
    return {
      auth: app ? 'app' : token !== null ? 'token' : null,
      apiUrl: apiUrl === null || apiUrl.secret ? null : String(apiUrl.value),
      appId: number(appId),
      installationId: number(installationId),
      hasToken: token !== null,
      hasAppPrivateKey: appPrivateKey !== null,
      fromEnvironment: primary?.source === 'environment',
    };
  }

  async function primaryHost(): Promise<CodeHost> {
    const primary = await context.codeHosts?.primary();
    if (primary === undefined || primary === null) {
      throw new UnsupportedError(
        'GitHub is not configured: set GITHUB_TOKEN (or the GOOSUKE_GITHUB_APP_* variables), or store a token or an App with PUT /api/v1/github/config',
      );
    }
    return primary.host;
  }

  return {
    getConfig: view,

    async setConfig(raw) {
      const input = parseInput(gitHubConfigInputSchema, raw, 'GitHub configuration');
      if (
        input.appPrivateKey !== undefined &&
        input.appPrivateKey !== null &&
        !looksLikePrivateKey(input.appPrivateKey)
      ) {
        throw new InvalidInputError('appPrivateKey is not a PEM private key (or the base64 of one)', [
          { path: ['appPrivateKey'], message: 'a PEM private key' },
        ]);
      }
      const given: Array<{ key: string; value: string | number | null | undefined }> = [
        { key: gitHubSettingKeys.GOOSUKE_GITHUB_API_URL, value: input.apiUrl },
        { key: gitHubSettingKeys.GITHUB_TOKEN, value: input.token },
        { key: gitHubSettingKeys.GOOSUKE_GITHUB_APP_ID, value: input.appId },
        { key: gitHubSettingKeys.GOOSUKE_GITHUB_APP_PRIVATE_KEY, value: input.appPrivateKey },
        { key: gitHubSettingKeys.GOOSUKE_GITHUB_APP_INSTALLATION_ID, value: input.installationId },
      ];
      const changes = given.filter(
        (change): change is { key: string; value: string | number | null } => change.value !== undefined,
      );
      // Sealing is async work done before the transaction, which then writes all or nothing.
      const sealed = await Promise.all(
        changes.map(async (change) =>
          change.value !== null && secretGitHubSettingKeys.has(change.key)
            ? { ...change, value: await sealSettingSecret(secretBox, change.key, String(change.value)) }
            : change,
        ),
      );
      const now = isoNow(clock);
      await store.transaction(async (tx) => {
        for (const change of sealed) {
          if (change.value === null) await tx.settings.delete(change.key);
          else {
            await tx.settings.set({
              key: change.key,
              value: change.value,
              secret: secretGitHubSettingKeys.has(change.key),
              description: null,
              updatedAt: now,
            });
          }
        }
        const present = await Promise.all(
          [
            gitHubSettingKeys.GOOSUKE_GITHUB_APP_ID,
            gitHubSettingKeys.GOOSUKE_GITHUB_APP_PRIVATE_KEY,
            gitHubSettingKeys.GOOSUKE_GITHUB_APP_INSTALLATION_ID,
          ].map(async (key) => (await tx.settings.get(key)) !== null),
        );
        if (present.some(Boolean) && !present.every(Boolean)) {
          throw new InvalidInputError(
            'a GitHub App needs appId, appPrivateKey and installationId together: give the missing ones, or null to remove the App',
            [{ path: [], message: 'appId, appPrivateKey and installationId go together' }],
          );
        }
      });
      return view();
    },

    async listRepositories() {
      return (await primaryHost()).listRepositories();
    },

    async listBranches(owner, name) {
      const repository = `${parseInput(repositoryPartSchema, owner, 'owner')}/${parseInput(repositoryPartSchema, name, 'repository')}`;
      return (await primaryHost()).listBranches({ repository });
    },
  };
}
