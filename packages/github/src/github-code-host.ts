import type { CodeHost, HostedPullRequest, HostedRepository, PullRequestTemplate } from '@goosuke/core';
import { InvalidInputError } from '@goosuke/core';
import { unlessAborted } from '@goosuke/core/implementing';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/core';
import { paginateRest } from '@octokit/plugin-paginate-rest';
import { restEndpointMethods } from '@octokit/plugin-rest-endpoint-methods';
import {
  type GitHubCodeHostOptions,
  type ResolvedGitHubCodeHostOptions,
  resolveGitHubCodeHostOptions,
} from './github-code-host-options.ts';
import { canceledError, type GitHubCallContext, isHttpError, toGoosukeError } from './github-errors.ts';
import { createGitHubRequestHook, type HookRequestOptions } from './github-request-hook.ts';

const GitHubOctokit = Octokit.plugin(paginateRest, restEndpointMethods);
type GitHubClient = InstanceType<typeof GitHubOctokit>;

/** An installation token is renewed this long before GitHub says it expires. */
const tokenRenewalMarginMs = 60_000;

/** The pull request fields this package reads (GitHub's REST shape). */
interface GitHubPullRequestData {
  number: number;
  html_url: string;
  title: string;
  body?: string | null;
  state: string;
  draft?: boolean;
  merged?: boolean;
  merged_at?: string | null;
  head: { ref: string };
  base: { ref: string };
}

interface GitHubRepositoryData {
  full_name: string;
  clone_url?: string;
  default_branch?: string;
  private: boolean;
}

interface ContentEntry {
  name: string;
  path: string;
  type: string;
}

function toPullRequest(data: GitHubPullRequestData): HostedPullRequest {
  const merged = data.merged === true || (data.merged_at !== null && data.merged_at !== undefined);
  return {
    number: data.number,
    url: data.html_url,
    title: data.title,
    body: data.body ?? '',
    head: data.head.ref,
    base: data.base.ref,
    state: merged ? 'merged' : data.state === 'closed' ? 'closed' : 'open',
    draft: data.draft === true,
  };
}

function toRepository(data: GitHubRepositoryData, baseUrl: string): HostedRepository {
  return {
    fullName: data.full_name,
    cloneUrl: data.clone_url ?? `${webUrlOf(baseUrl)}/${data.full_name}.git`,
    defaultBranch: data.default_branch ?? 'main',
    private: data.private,
  };
}

/** The web host of an API URL: api.github.com → github.com, ghe/api/v3 → ghe. */
function webUrlOf(baseUrl: string): string {
  const url = new URL(baseUrl);
  if (url.hostname === 'api.github.com') return 'https://github.com';
  return `${url.origin}${url.pathname.replace(/\/api\/v3$/, '')}`;
}

function splitRepository(repository: string): { owner: string; repo: string } {
  const match = /^([A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)\/([A-Za-z0-9._-]+)$/.exec(repository);
  if (!match || match[2] === '.' || match[2] === '..') {
    throw new InvalidInputError(`the repository must be "owner/name", got ${JSON.stringify(repository)}`, [
      { path: ['repository'], message: 'must be "owner/name"' },
    ]);
  }
  return { owner: match[1] as string, repo: match[2] as string };
}

function requireBranch(value: string, field: string): void {
  if (typeof value !== 'string' || value.trim() === '') {
    throw new InvalidInputError(`${field} must be a branch name`, [
      { path: [field], message: 'must be a branch name' },
    ]);
  }
}

function encodePath(path: string): string {
  return path.split('/').map(encodeURIComponent).join('/');
}

const templateFileName = /^pull_request_template\.(md|txt)$/i;

/** Sorts names the way the templates are reported: `.md` before `.txt`, then by name. */
function byExtensionThenName(a: string, b: string): number {
  const rank = (name: string) => (name.toLowerCase().endsWith('.md') ? 0 : 1);
  return rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0);
}

/**
 * Installation tokens of one App installation: cached until a minute before `expires_at`, at
 * most one token request in flight (concurrent callers share it), dropped when GitHub rejects it.
 */
class InstallationTokens {
  private current: { token: string; expiresAt: number } | null = null;
  private pending: Promise<string> | null = null;
  /** Every token ever issued, so that none can leak into an error message. */
  readonly issued = new Set<string>();

  constructor(private readonly fetchToken: () => Promise<{ token: string; expiresAt: string }>) {}

  get(signal: AbortSignal | undefined): Promise<string> {
    if (this.current && Date.now() < this.current.expiresAt - tokenRenewalMarginMs) {
      return Promise.resolve(this.current.token);
    }
    if (this.pending === null) {
      const pending = this.fetchToken().then(({ token, expiresAt }) => {
        this.issued.add(token);
        const expires = Date.parse(expiresAt);
        this.current = { token, expiresAt: Number.isFinite(expires) ? expires : Date.now() + 3_600_000 };
        return token;
      });
      this.pending = pending;
      pending.then(
        () => {
          if (this.pending === pending) this.pending = null;
        },
        () => {
          if (this.pending === pending) this.pending = null;
        },
      );
    }
    // The shared request goes on for other callers; this one gets a canceled error.
    return unlessAborted(this.pending, signal, (aborted) =>
      canceledError('get an installation token', aborted),
    );
  }

  /** Forgets `token` if it is the cached one; true when it was. */
  reject(token: string): boolean {
    if (this.current?.token !== token) return false;
    this.current = null;
    return true;
  }
}

/**
 * A CodeHost for GitHub or GitHub Enterprise Server on octokit (`@octokit/core` with the paginate
 * and REST endpoint plugins; no throttling plugin), authenticated by a token or as a GitHub App
 * installation. Holds the port's contract: every list is read to its last page; errors are
 * GoosukeErrors without credentials; rate limits are waited out up to `maxRateLimitWaitMs`;
 * 5xx and network failures are retried `retries` times. Throws InvalidInputError at once for
 * malformed options.
 */
export function createGitHubCodeHost(options: GitHubCodeHostOptions): CodeHost {
  const settings = resolveGitHubCodeHostOptions(options);
  return new GitHubCodeHost(settings);
}

/** The options of a CodeHost method, as the port declares them. */
type Options<Method extends keyof CodeHost> = Parameters<CodeHost[Method]>[0];

class GitHubCodeHost implements CodeHost {
  private readonly octokit: GitHubClient;
  private readonly tokens: InstallationTokens | null;

  constructor(private readonly settings: ResolvedGitHubCodeHostOptions) {
    this.octokit = new GitHubOctokit({
      baseUrl: settings.baseUrl,
      ...(settings.userAgent === undefined ? {} : { userAgent: settings.userAgent }),
      // Octokit logs 4xx/5xx warnings to the console; the errors we throw say it all.
      log: { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} },
    });
    const auth = settings.auth;
    if (auth.kind === 'app') {
      // Bound to our own octokit's request, so the token request goes to baseUrl (GHE included)
      // and gets the same rate-limit and retry handling. We cache tokens ourselves (refresh: true):
      // auth-app's cache would keep a token past an `expires_at` shorter than its fixed max age.
      const appAuth = createAppAuth({
        appId: auth.appId,
        privateKey: auth.privateKey,
        installationId: auth.installationId,
        request: this.octokit.request,
      });
      this.tokens = new InstallationTokens(async () => {
        const result = await appAuth({ type: 'installation', refresh: true });
        return { token: result.token, expiresAt: result.expiresAt };
      });
    } else {
      this.tokens = null;
    }
    const hook = createGitHubRequestHook({
      retries: settings.retries,
      retryBaseDelayMs: settings.retryBaseDelayMs,
      maxRateLimitWaitMs: settings.maxRateLimitWaitMs,
      authorization: async (signal) => `token ${await this.token(signal)}`,
      rejected: (authorization) => this.tokens?.reject(authorization.replace(/^token /, '')) ?? false,
    });
    // The hook's options are octokit's endpoint options; our narrower type describes what it reads.
    this.octokit.hook.wrap(
      'request',
      (send, requestOptions) =>
        hook(
          send as unknown as (options: HookRequestOptions) => Promise<unknown>,
          requestOptions as unknown as HookRequestOptions,
        ) as ReturnType<typeof send>,
    );
  }

  private token(signal: AbortSignal | undefined): Promise<string> {
    const auth = this.settings.auth;
    if (auth.kind === 'token') return Promise.resolve(auth.token);
    return (this.tokens as InstallationTokens).get(signal);
  }

  private secrets(): string[] {
    const auth = this.settings.auth;
    if (auth.kind === 'token') return [auth.token];
    return [auth.privateKey, ...(this.tokens?.issued ?? [])];
  }

  /** Runs `call`, translating whatever it throws per the port contract. */
  private async run<T>(context: Omit<GitHubCallContext, 'secrets'>, call: () => Promise<T>): Promise<T> {
    if (context.signal?.aborted) throw canceledError(context.action, context.signal);
    try {
      return await call();
    } catch (error) {
      throw toGoosukeError(error, { ...context, secrets: this.secrets() });
    }
  }

  private requestOptions(signal: AbortSignal | undefined) {
    return signal === undefined ? {} : { request: { signal } };
  }

  /**
   * Every item of a paginated list. octokit's paginate forwards only method, url and headers to
   * the next-page requests (dropping `request.signal`), so it gets a request function that adds
   * the signal back to every page.
   */
  private async listAll<T>(
    route: string,
    parameters: Record<string, unknown>,
    signal: AbortSignal | undefined,
  ) {
    const request = this.octokit.request;
    const withSignal = Object.assign(
      (options: Record<string, unknown>) => request({ ...options, ...this.requestOptions(signal) } as never),
      { endpoint: (values: Record<string, unknown>) => request.endpoint(route, values) },
    );
    // paginate's typings want a route string or an endpoint method; it accepts any request
    // function with an `endpoint`, which is what `withSignal` is.
    const paginate = this.octokit.paginate as unknown as (
      route: typeof withSignal,
      parameters: Record<string, unknown>,
    ) => Promise<unknown[]>;
    const items = await paginate(withSignal, { ...parameters, per_page: this.settings.perPage });
    return items as T[];
  }

  async listRepositories(options: { signal?: AbortSignal } = {}): Promise<HostedRepository[]> {
    const { signal } = options;
    const app = this.settings.auth.kind === 'app';
    return this.run({ action: 'list the repositories', signal }, async () => {
      const parameters = { per_page: this.settings.perPage, ...this.requestOptions(signal) };
      const repositories = app
        ? await this.octokit.paginate('GET /installation/repositories', parameters)
        : await this.octokit.paginate('GET /user/repos', parameters);
      return (repositories as GitHubRepositoryData[]).map((data) =>
        toRepository(data, this.settings.baseUrl),
      );
    });
  }

  async listBranches(options: Options<'listBranches'>): Promise<string[]> {
    const { owner, repo } = splitRepository(options.repository);
    return this.run(
      {
        action: `list the branches of ${options.repository}`,
        notFound: { entity: 'GitHub repository', id: options.repository },
        signal: options.signal,
      },
      async () => {
        const branches = await this.listAll<{ name: string }>(
          'GET /repos/{owner}/{repo}/branches',
          { owner, repo },
          options.signal,
        );
        return branches.map((branch) => branch.name);
      },
    );
  }

  async createPullRequest(options: Options<'createPullRequest'>): Promise<HostedPullRequest> {
    const { owner, repo } = splitRepository(options.repository);
    requireBranch(options.head, 'head');
    requireBranch(options.base, 'base');
    return this.run(
      {
        action: `open a pull request from ${options.head} into ${options.base} in ${options.repository}`,
        notFound: { entity: 'GitHub repository', id: options.repository },
        signal: options.signal,
      },
      async () => {
        const response = await this.octokit.rest.pulls.create({
          owner,
          repo,
          head: options.head,
          base: options.base,
          title: options.title,
          body: options.body,
          draft: options.draft ?? false,
          ...this.requestOptions(options.signal),
        });
        return toPullRequest(response.data as GitHubPullRequestData);
      },
    );
  }

  async updatePullRequest(options: Options<'updatePullRequest'>): Promise<HostedPullRequest> {
    const { owner, repo } = splitRepository(options.repository);
    const id = `${options.repository}#${options.number}`;
    return this.run(
      {
        action: `update pull request ${id}`,
        notFound: { entity: 'GitHub pull request', id },
        signal: options.signal,
      },
      async () => {
        const response = await this.octokit.rest.pulls.update({
          owner,
          repo,
          pull_number: options.number,
          ...(options.title === undefined ? {} : { title: options.title }),
          ...(options.body === undefined ? {} : { body: options.body }),
          ...(options.state === undefined ? {} : { state: options.state }),
          ...this.requestOptions(options.signal),
        });
        return toPullRequest(response.data as GitHubPullRequestData);
      },
    );
  }

  async getPullRequest(options: Options<'getPullRequest'>): Promise<HostedPullRequest | null> {
    const { owner, repo } = splitRepository(options.repository);
    return this.run(
      { action: `read pull request ${options.repository}#${options.number}`, signal: options.signal },
      async () => {
        try {
          const response = await this.octokit.rest.pulls.get({
            owner,
            repo,
            pull_number: options.number,
            ...this.requestOptions(options.signal),
          });
          return toPullRequest(response.data as GitHubPullRequestData);
        } catch (error) {
          if (isHttpError(error) && error.status === 404) return null;
          throw error;
        }
      },
    );
  }

  async findPullRequest(options: Options<'findPullRequest'>): Promise<HostedPullRequest | null> {
    const { owner, repo } = splitRepository(options.repository);
    requireBranch(options.head, 'head');
    return this.run(
      {
        action: `find the pull request of ${options.head} in ${options.repository}`,
        notFound: { entity: 'GitHub repository', id: options.repository },
        signal: options.signal,
      },
      async () => {
        // Open ones first, then closed ones; each newest first, so one item per query is enough.
        const states: Array<'open' | 'closed'> = options.state === 'all' ? ['open', 'closed'] : ['open'];
        for (const state of states) {
          const response = await this.octokit.rest.pulls.list({
            owner,
            repo,
            head: `${owner}:${options.head}`,
            state,
            sort: 'created',
            direction: 'desc',
            per_page: 1,
            ...this.requestOptions(options.signal),
          });
          const first = response.data[0];
          if (first !== undefined) return toPullRequest(first as GitHubPullRequestData);
        }
        return null;
      },
    );
  }

  async getPullRequestTemplates(options: Options<'getPullRequestTemplates'>): Promise<PullRequestTemplate[]> {
    const { owner, repo } = splitRepository(options.repository);
    const { signal } = options;
    return this.run(
      {
        action: `read the pull request templates of ${options.repository}`,
        notFound: { entity: 'GitHub repository', id: options.repository },
        signal,
      },
      async () => {
        const ref = options.ref === undefined ? {} : { ref: options.ref };
        /** A folder's entries, or null when it does not exist (or is a file). */
        const list = async (path: string): Promise<ContentEntry[] | null> => {
          try {
            const response = await this.octokit.request(
              `GET /repos/{owner}/{repo}/contents/${encodePath(path)}`,
              {
                owner,
                repo,
                ...ref,
                ...this.requestOptions(signal),
              },
            );
            return Array.isArray(response.data) ? (response.data as ContentEntry[]) : null;
          } catch (error) {
            if (isHttpError(error) && error.status === 404) return null;
            throw error;
          }
        };
        const read = async (path: string): Promise<string> => {
          const response = await this.octokit.request(
            `GET /repos/{owner}/{repo}/contents/${encodePath(path)}`,
            {
              owner,
              repo,
              ...ref,
              ...this.requestOptions(signal),
            },
          );
          const data = response.data as { content?: string; encoding?: string };
          if (typeof data.content !== 'string') return '';
          return data.encoding === 'base64'
            ? Buffer.from(data.content, 'base64').toString('utf8')
            : data.content;
        };
        const root = await list('');
        if (root === null) {
          // An empty repository has no contents either: only a missing repository is an error.
          await this.octokit.rest.repos.get({ owner, repo, ...this.requestOptions(signal) });
          return [];
        }
        const folder = (entries: ContentEntry[] | null, name: string) =>
          entries?.find((entry) => entry.type === 'dir' && entry.name.toLowerCase() === name.toLowerCase());
        const templatesIn = (entries: ContentEntry[] | null) =>
          (entries ?? [])
            .filter((entry) => entry.type === 'file' && templateFileName.test(entry.name))
            .sort((a, b) => byExtensionThenName(a.name, b.name))
            .map((entry) => entry.path);
        const githubFolder = folder(root, '.github');
        const docsFolder = folder(root, 'docs');
        const github = githubFolder ? await list(githubFolder.path) : null;
        const docs = docsFolder ? await list(docsFolder.path) : null;
        const multipleFolder = folder(github, 'PULL_REQUEST_TEMPLATE');
        const multiple = multipleFolder ? await list(multipleFolder.path) : null;
        const paths = [
          ...templatesIn(github),
          ...templatesIn(root),
          ...templatesIn(docs),
          ...(multiple ?? [])
            .filter((entry) => entry.type === 'file' && /\.md$/i.test(entry.name))
            .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
            .map((entry) => entry.path),
        ];
        const templates: PullRequestTemplate[] = [];
        for (const path of paths) templates.push({ path, content: await read(path) });
        return templates;
      },
    );
  }

  async getGitAuth(options: Options<'getGitAuth'>): Promise<{ username: string; token: string }> {
    splitRepository(options.repository);
    return this.run(
      { action: `get git credentials for ${options.repository}`, signal: options.signal },
      async () => {
        if (options.fresh === true && this.tokens !== null) {
          // The git server refused the cached token (revoked, or expired early): get another.
          this.tokens.reject(await this.token(options.signal));
        }
        return { username: 'x-access-token', token: await this.token(options.signal) };
      },
    );
  }
}
