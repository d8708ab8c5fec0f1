import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A repository the fake holds. Files are the same on every branch (enough for templates). */
export interface FakeGitHubRepository {
  owner: string;
  name: string;
  fullName: string;
  defaultBranch: string;
  private: boolean;
  /** Branch names, in creation order. */
  branches: string[];
  /** Path (no leading slash) to UTF-8 content. */
  files: Map<string, string>;
  pulls: FakeGitHubPullRequest[];
}

/** A pull request the fake holds. */
export interface FakeGitHubPullRequest {
  number: number;
  title: string;
  body: string | null;
  head: string;
  base: string;
  state: 'open' | 'closed';
  draft: boolean;
  mergedAt: string | null;
  createdAt: string;
  /** Creation order across the server, so "newest" is unambiguous within one millisecond. */
  sequence: number;
}

/** A request the fake received. Authorization values are not kept, only their kind. */
export interface FakeGitHubRequest {
  method: string;
  /** The path after the base path, without the query. */
  path: string;
  query: Record<string, string>;
  auth: 'token' | 'bearer' | 'none';
}

/** One scripted answer for a matching request (see {@link FakeGitHubServer.failNext}). */
export interface FakeGitHubScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON body; default `{ message: 'scripted failure' }`. */
  body?: unknown;
  /** Wait this long before answering. */
  delayMs?: number;
  /** After the delay, handle the request normally instead of answering with `status`. */
  passThrough?: boolean;
  /** Cut the connection instead of answering (a network failure). */
  destroy?: boolean;
}

/** Options of {@link startFakeGitHubServer}. */
export interface FakeGitHubServerOptions {
  /** Path prefix of the API, e.g. `/api/v3` as on GitHub Enterprise Server. Default none. */
  basePath?: string;
  /** Personal access tokens the fake accepts (`Authorization: token …` or `bearer …`). Default `['ghp_fake_token']`. */
  tokens?: string[];
  /**
   * Branches that exist outside the fake, by repository full name (e.g. read from a real git
   * repository that tests push to): added to the repository's branches before each request
   * about it, so a pushed branch can head a pull request.
   */
  liveBranches?: (fullName: string) => Promise<readonly string[]> | readonly string[];
  /** A GitHub App and one of its installations. */
  app?: {
    appId: number;
    /** The App's public key (PEM or KeyObject); JWTs are verified against it. */
    publicKey: string | KeyObject;
    installationId: number;
    /** Lifetime of issued installation tokens. Default one hour. */
    tokenLifetimeMs?: number;
    /** Repositories (full names) the installation reaches; default all. */
    repositories?: string[];
  };
}

/** A running fake; see {@link startFakeGitHubServer}. */
export interface FakeGitHubServer {
  /** The API base URL (`http://127.0.0.1:<port><basePath>`). */
  readonly url: string;
  /** Every request received, in order. */
  readonly requests: FakeGitHubRequest[];
  readonly repositories: Map<string, FakeGitHubRepository>;
  /** Installation tokens issued so far. */
  readonly installationTokens: Map<string, { expiresAt: number }>;
  addRepository(options: {
    fullName: string;
    defaultBranch?: string;
    private?: boolean;
    branches?: string[];
    files?: Record<string, string>;
  }): FakeGitHubRepository;
  addBranch(fullName: string, branch: string): void;
  setFile(fullName: string, path: string, content: string): void;
  /** Marks an open pull request merged (closed, with `merged_at`). */
  mergePullRequest(fullName: string, number: number): void;
  /** Makes every issued installation token invalid from now on (GitHub answers 401). */
  expireInstallationTokens(): void;
  /** Sets the lifetime of installation tokens issued from now on. */
  setTokenLifetime(ms: number): void;
  /**
   * Answers the next requests matching `method` and `path` (exact path after the base path, or a
   * RegExp) with `responses`, one each, in order; later ones are handled normally.
   */
  failNext(
    match: { method?: string; path: string | RegExp },
    ...responses: FakeGitHubScriptedResponse[]
  ): void;
  /** How many requests went to `POST /app/installations/{id}/access_tokens`. */
  tokenRequestCount(): number;
  close(): Promise<void>;
}

class HttpFailure extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`HTTP ${status}`);
  }
}

function notFound(): HttpFailure {
  return new HttpFailure(404, {
    message: 'Not Found',
    documentation_url: 'https://docs.github.com/rest',
    status: '404',
  });
}

function validationFailed(errors: unknown[]): HttpFailure {
  return new HttpFailure(422, {
    message: 'Validation Failed',
    errors,
    documentation_url: 'https://docs.github.com/rest/pulls/pulls#create-a-pull-request',
    status: '422',
  });
}

function base64UrlDecode(text: string): Buffer {
  return Buffer.from(text.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
}

async function readBody(request: IncomingMessage): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const part of request) parts.push(part as Buffer);
  const text = Buffer.concat(parts).toString('utf8');
  if (text === '') return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpFailure(400, { message: 'Problems parsing JSON' });
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Starts a loopback fake of the GitHub REST API parts the CodeHost uses: App installation tokens
 * (`POST /app/installations/{id}/access_tokens`, the App JWT verified RS256 against the App's
 * public key, with `iss`, `iat` and `exp` checked), `GET /installation/repositories`,
 * `GET /user/repos`, `GET /repos/{o}/{r}`, branches, pull requests (list/create/get/update, per
 * repository numbering, GitHub's 422s for a duplicate head, head == base and unknown branches)
 * and contents (base64 files, folder listings). Every call needs `Authorization: token|bearer`
 * (401 otherwise); lists paginate with `per_page`/`page` and absolute `Link` URLs. Tests can
 * script the next answers of a route ({@link FakeGitHubServer.failNext}).
 */
export async function startFakeGitHubServer(
  options: FakeGitHubServerOptions = {},
): Promise<FakeGitHubServer> {
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  const tokens = new Set(options.tokens ?? ['ghp_fake_token']);
  const app = options.app;
  const appPublicKey = app
    ? typeof app.publicKey === 'string'
      ? createPublicKey(app.publicKey)
      : app.publicKey
    : null;
  let tokenLifetimeMs = app?.tokenLifetimeMs ?? 3_600_000;
  const requests: FakeGitHubRequest[] = [];
  const repositories = new Map<string, FakeGitHubRepository>();
  const installationTokens = new Map<string, { expiresAt: number }>();
  const scripts: Array<{ method?: string; path: string | RegExp; responses: FakeGitHubScriptedResponse[] }> =
    [];
  let sequence = 0;
  let origin = '';

  function repositoryOrFail(fullName: string): FakeGitHubRepository {
    const repository = repositories.get(fullName.toLowerCase());
    if (!repository) throw new Error(`the fake has no repository ${fullName}`);
    return repository;
  }

  function verifyJwt(jwt: string): boolean {
    if (!app || !appPublicKey) return false;
    const parts = jwt.split('.');
    if (parts.length !== 3) return false;
    const [header = '', payload = '', signature = ''] = parts;
    try {
      const head = JSON.parse(base64UrlDecode(header).toString('utf8')) as { alg?: string };
      if (head.alg !== 'RS256') return false;
      if (
        !verify('RSA-SHA256', Buffer.from(`${header}.${payload}`), appPublicKey, base64UrlDecode(signature))
      ) {
        return false;
      }
      const claims = JSON.parse(base64UrlDecode(payload).toString('utf8')) as {
        iss?: unknown;
        iat?: unknown;
        exp?: unknown;
      };
      const now = Math.floor(Date.now() / 1000);
      if (String(claims.iss) !== String(app.appId)) return false;
      if (typeof claims.iat !== 'number' || typeof claims.exp !== 'number') return false;
      // GitHub allows 60 s of clock drift and a JWT lifetime of at most ten minutes.
      return claims.iat <= now + 60 && claims.exp > now && claims.exp - claims.iat <= 660;
    } catch {
      return false;
    }
  }

  type Caller = { kind: 'app' } | { kind: 'installation' } | { kind: 'user' };

  function authenticate(request: IncomingMessage, path: string): Caller {
    const header = request.headers.authorization ?? '';
    const match = /^(token|bearer)\s+(\S+)$/i.exec(header);
    const unauthorized = new HttpFailure(401, {
      message: 'Bad credentials',
      documentation_url: 'https://docs.github.com/rest',
      status: '401',
    });
    if (!match) {
      throw new HttpFailure(401, {
        message: 'Requires authentication',
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    const credential = match[2] as string;
    if (path.startsWith('/app/')) {
      if (verifyJwt(credential)) return { kind: 'app' };
      throw new HttpFailure(401, {
        message: 'A JSON web token could not be decoded',
        documentation_url: 'https://docs.github.com/rest',
      });
    }
    if (tokens.has(credential)) return { kind: 'user' };
    const installation = installationTokens.get(credential);
    if (installation && installation.expiresAt > Date.now()) return { kind: 'installation' };
    throw unauthorized;
  }

  function reachable(caller: Caller, fullName: string): FakeGitHubRepository {
    const repository = repositories.get(fullName.toLowerCase());
    if (!repository) throw notFound();
    if (
      caller.kind === 'installation' &&
      app?.repositories &&
      !app.repositories.includes(repository.fullName)
    ) {
      throw notFound();
    }
    return repository;
  }

  function paginate<T>(
    response: ServerResponse,
    request: IncomingMessage,
    url: URL,
    items: T[],
    wrap?: (page: T[]) => unknown,
  ): void {
    const perPage = Math.min(100, Math.max(1, Number(url.searchParams.get('per_page') ?? 30) || 30));
    const page = Math.max(1, Number(url.searchParams.get('page') ?? 1) || 1);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const host = request.headers.host ?? origin.replace(/^http:\/\//, '');
    const link = (target: number) => {
      const next = new URL(`http://${host}${url.pathname}${url.search}`);
      next.searchParams.set('page', String(target));
      return next.toString();
    };
    const links: string[] = [];
    if (page < last) links.push(`<${link(page + 1)}>; rel="next"`, `<${link(last)}>; rel="last"`);
    if (page > 1) links.push(`<${link(1)}>; rel="first"`, `<${link(page - 1)}>; rel="prev"`);
    sendJson(response, 200, wrap ? wrap(slice) : slice, links.length > 0 ? { link: links.join(', ') } : {});
  }

  function webUrl(): string {
    return origin;
  }

  function repositoryJson(repository: FakeGitHubRepository) {
    return {
      id: Math.abs(hash(repository.fullName)),
      name: repository.name,
      full_name: repository.fullName,
      owner: { login: repository.owner },
      private: repository.private,
      html_url: `${webUrl()}/${repository.fullName}`,
      clone_url: `${webUrl()}/${repository.fullName}.git`,
      default_branch: repository.defaultBranch,
    };
  }

  function pullJson(repository: FakeGitHubRepository, pull: FakeGitHubPullRequest) {
    return {
      number: pull.number,
      html_url: `${webUrl()}/${repository.fullName}/pull/${pull.number}`,
      url: `${origin}${basePath}/repos/${repository.fullName}/pulls/${pull.number}`,
      title: pull.title,
      body: pull.body,
      state: pull.state,
      draft: pull.draft,
      merged: pull.mergedAt !== null,
      merged_at: pull.mergedAt,
      created_at: pull.createdAt,
      head: { ref: pull.head, label: `${repository.owner}:${pull.head}`, repo: repositoryJson(repository) },
      base: { ref: pull.base, label: `${repository.owner}:${pull.base}`, repo: repositoryJson(repository) },
    };
  }

  function duplicateOf(repository: FakeGitHubRepository, head: string, except?: number) {
    return repository.pulls.find(
      (pull) => pull.head === head && pull.state === 'open' && pull.number !== except,
    );
  }

  function alreadyExists(repository: FakeGitHubRepository, head: string): HttpFailure {
    return validationFailed([
      {
        resource: 'PullRequest',
        code: 'custom',
        message: `A pull request already exists for ${repository.owner}:${head}.`,
      },
    ]);
  }

  function contentsOf(repository: FakeGitHubRepository, path: string) {
    const entry = (name: string, full: string, type: 'file' | 'dir') => ({
      name,
      path: full,
      type,
      sha: Math.abs(hash(full)).toString(16).padStart(40, '0'),
      size: type === 'file' ? Buffer.byteLength(repository.files.get(full) ?? '') : 0,
    });
    const file = repository.files.get(path);
    if (file !== undefined) {
      const name = path.split('/').pop() as string;
      const base64 = Buffer.from(file, 'utf8')
        .toString('base64')
        .replace(/(.{60})/g, '$1\n');
      return { ...entry(name, path, 'file'), encoding: 'base64', content: base64 };
    }
    if (repository.files.size === 0) throw new HttpFailure(404, { message: 'This repository is empty.' });
    const prefix = path === '' ? '' : `${path}/`;
    const children = new Map<string, 'file' | 'dir'>();
    for (const filePath of repository.files.keys()) {
      if (!filePath.startsWith(prefix)) continue;
      const rest = filePath.slice(prefix.length);
      const [first = '', ...more] = rest.split('/');
      children.set(first, more.length > 0 ? 'dir' : 'file');
    }
    if (children.size === 0) throw notFound();
    return [...children.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([name, type]) => entry(name, `${prefix}${name}`, type));
  }

  async function route(
    request: IncomingMessage,
    response: ServerResponse,
    url: URL,
    path: string,
  ): Promise<void> {
    const method = request.method ?? 'GET';
    const caller = authenticate(request, path);
    let match = /^\/app\/installations\/(\d+)\/access_tokens$/.exec(path);
    if (match && method === 'POST') {
      if (caller.kind !== 'app' || !app || Number(match[1]) !== app.installationId) throw notFound();
      const token = `ghs_${randomBytes(18).toString('hex')}`;
      const expiresAt = Date.now() + tokenLifetimeMs;
      installationTokens.set(token, { expiresAt });
      sendJson(response, 201, {
        token,
        expires_at: new Date(expiresAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
        permissions: { contents: 'write', pull_requests: 'write' },
        repository_selection: app.repositories ? 'selected' : 'all',
      });
      return;
    }
    if (caller.kind === 'app') throw notFound();
    if (path === '/installation/repositories' && method === 'GET') {
      if (caller.kind !== 'installation') {
        throw new HttpFailure(403, {
          message:
            'You must authenticate with an installation access token in order to list repositories for an installation.',
        });
      }
      const list = [...repositories.values()].filter(
        (repository) => !app?.repositories || app.repositories.includes(repository.fullName),
      );
      paginate(response, request, url, list.map(repositoryJson), (page) => ({
        total_count: list.length,
        repository_selection: app?.repositories ? 'selected' : 'all',
        repositories: page,
      }));
      return;
    }
    if (path === '/user/repos' && method === 'GET') {
      if (caller.kind !== 'user')
        throw new HttpFailure(403, { message: 'Resource not accessible by integration' });
      paginate(response, request, url, [...repositories.values()].map(repositoryJson));
      return;
    }
    match = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
    if (!match) throw notFound();
    const repository = reachable(
      caller,
      `${decodeURIComponent(match[1] as string)}/${decodeURIComponent(match[2] as string)}`,
    );
    const rest = match[3] ?? '';
    for (const branch of (await options.liveBranches?.(repository.fullName)) ?? []) {
      if (!repository.branches.includes(branch)) repository.branches.push(branch);
    }
    if (rest === '' && method === 'GET') return sendJson(response, 200, repositoryJson(repository));
    if (rest === '/branches' && method === 'GET') {
      const branches = repository.branches.map((name) => ({
        name,
        commit: { sha: Math.abs(hash(name)).toString(16).padStart(40, '0') },
        protected: false,
      }));
      return paginate(response, request, url, branches);
    }
    if (rest === '/pulls' && method === 'GET') {
      const state = url.searchParams.get('state') ?? 'open';
      const head = url.searchParams.get('head');
      const ascending = url.searchParams.get('direction') === 'asc';
      let pulls = repository.pulls.filter((pull) => state === 'all' || pull.state === state);
      if (head !== null) {
        const [owner, branch] = head.includes(':') ? head.split(':', 2) : [repository.owner, head];
        pulls =
          owner?.toLowerCase() === repository.owner.toLowerCase()
            ? pulls.filter((pull) => pull.head === branch)
            : [];
      }
      pulls = [...pulls].sort((a, b) => (ascending ? a.sequence - b.sequence : b.sequence - a.sequence));
      return paginate(
        response,
        request,
        url,
        pulls.map((pull) => pullJson(repository, pull)),
      );
    }
    if (rest === '/pulls' && method === 'POST') {
      const body = (await readBody(request)) as Record<string, unknown>;
      const title = typeof body.title === 'string' ? body.title : '';
      const rawHead = typeof body.head === 'string' ? body.head : '';
      const head = rawHead.includes(':') ? rawHead.slice(rawHead.indexOf(':') + 1) : rawHead;
      const baseBranch = typeof body.base === 'string' ? body.base : '';
      const errors: unknown[] = [];
      if (title.trim() === '')
        errors.push({ resource: 'PullRequest', field: 'title', code: 'missing_field' });
      if (!repository.branches.includes(head))
        errors.push({ resource: 'PullRequest', field: 'head', code: 'invalid' });
      if (!repository.branches.includes(baseBranch))
        errors.push({ resource: 'PullRequest', field: 'base', code: 'invalid' });
      if (errors.length > 0) throw validationFailed(errors);
      if (head === baseBranch) {
        throw validationFailed([
          {
            resource: 'PullRequest',
            code: 'custom',
            message: `No commits between ${baseBranch} and ${head}`,
          },
        ]);
      }
      if (duplicateOf(repository, head)) throw alreadyExists(repository, head);
      const pull: FakeGitHubPullRequest = {
        number: repository.pulls.length + 1,
        title,
        body: typeof body.body === 'string' ? body.body : null,
        head,
        base: baseBranch,
        state: 'open',
        draft: body.draft === true,
        mergedAt: null,
        createdAt: new Date().toISOString(),
        sequence: ++sequence,
      };
      repository.pulls.push(pull);
      return sendJson(response, 201, pullJson(repository, pull));
    }
    match = /^\/pulls\/(\d+)$/.exec(rest);
    if (match) {
      const pull = repository.pulls.find((candidate) => candidate.number === Number(match?.[1]));
      if (!pull) throw notFound();
      if (method === 'GET') return sendJson(response, 200, pullJson(repository, pull));
      if (method === 'PATCH') {
        const body = (await readBody(request)) as Record<string, unknown>;
        if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed') {
          throw validationFailed([{ resource: 'PullRequest', field: 'state', code: 'invalid' }]);
        }
        if (body.state === 'open' && pull.state === 'closed') {
          if (pull.mergedAt !== null) {
            throw validationFailed([
              { resource: 'PullRequest', code: 'custom', message: 'Cannot reopen a merged pull request' },
            ]);
          }
          if (duplicateOf(repository, pull.head, pull.number)) throw alreadyExists(repository, pull.head);
        }
        if (typeof body.title === 'string') pull.title = body.title;
        if (typeof body.body === 'string') pull.body = body.body;
        if (body.state === 'open' || body.state === 'closed') pull.state = body.state;
        return sendJson(response, 200, pullJson(repository, pull));
      }
    }
    match = /^\/contents(?:\/(.*))?$/.exec(rest);
    if (match && method === 'GET') {
      const ref = url.searchParams.get('ref');
      if (ref !== null && !repository.branches.includes(ref)) {
        throw new HttpFailure(404, { message: `No commit found for the ref ${ref}` });
      }
      const target = (match[1] ?? '').split('/').filter(Boolean).map(decodeURIComponent).join('/');
      return sendJson(response, 200, contentsOf(repository, target));
    }
    throw notFound();
  }

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://fake');
      const method = request.method ?? 'GET';
      if (basePath !== '' && !url.pathname.startsWith(`${basePath}/`)) {
        return sendJson(response, 404, { message: 'Not Found (outside the API base path)' });
      }
      const path = url.pathname.slice(basePath.length).replace(/(.)\/+$/, '$1');
      const header = request.headers.authorization ?? '';
      const auth = /^token /i.test(header) ? 'token' : /^bearer /i.test(header) ? 'bearer' : 'none';
      requests.push({ method, path, query: Object.fromEntries(url.searchParams), auth });
      const script = scripts.find(
        (candidate) =>
          candidate.responses.length > 0 &&
          (candidate.method === undefined || candidate.method.toUpperCase() === method) &&
          (typeof candidate.path === 'string' ? candidate.path === path : candidate.path.test(path)),
      );
      const scripted = script?.responses.shift();
      if (scripted) {
        if (scripted.delayMs) await sleep(scripted.delayMs);
        if (scripted.destroy) {
          request.socket.destroy();
          return;
        }
        if (!scripted.passThrough) {
          return sendJson(
            response,
            scripted.status,
            scripted.body ?? { message: 'scripted failure' },
            scripted.headers,
          );
        }
      }
      try {
        await route(request, response, url, path);
      } catch (error) {
        if (error instanceof HttpFailure) return sendJson(response, error.status, error.body);
        sendJson(response, 500, { message: error instanceof Error ? error.message : String(error) });
      }
    })().catch(() => {
      if (!response.headersSent) response.destroy();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    url: `${origin}${basePath}`,
    requests,
    repositories,
    installationTokens,
    addRepository(spec) {
      const [owner = '', name = ''] = spec.fullName.split('/');
      const defaultBranch = spec.defaultBranch ?? 'main';
      const branches = [defaultBranch, ...(spec.branches ?? []).filter((branch) => branch !== defaultBranch)];
      const repository: FakeGitHubRepository = {
        owner,
        name,
        fullName: spec.fullName,
        defaultBranch,
        private: spec.private ?? false,
        branches,
        files: new Map(Object.entries(spec.files ?? { 'README.md': `# ${name}\n` })),
        pulls: [],
      };
      repositories.set(spec.fullName.toLowerCase(), repository);
      return repository;
    },
    addBranch(fullName, branch) {
      const repository = repositoryOrFail(fullName);
      if (!repository.branches.includes(branch)) repository.branches.push(branch);
    },
    setFile(fullName, path, content) {
      repositoryOrFail(fullName).files.set(path.replace(/^\/+/, ''), content);
    },
    mergePullRequest(fullName, number) {
      const pull = repositoryOrFail(fullName).pulls.find((candidate) => candidate.number === number);
      if (!pull) throw new Error(`the fake has no pull request ${fullName}#${number}`);
      pull.state = 'closed';
      pull.mergedAt = new Date().toISOString();
    },
    expireInstallationTokens() {
      for (const entry of installationTokens.values()) entry.expiresAt = 0;
    },
    setTokenLifetime(ms) {
      tokenLifetimeMs = ms;
    },
    failNext(match, ...responses) {
      scripts.push({
        ...(match.method === undefined ? {} : { method: match.method }),
        path: match.path,
        responses,
      });
    },
    tokenRequestCount() {
      return requests.filter(
        (request) =>
          request.method === 'POST' && /^\/app\/installations\/\d+\/access_tokens$/.test(request.path),
      ).length;
    },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function sendJson(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', ...headers });
  response.end(JSON.stringify(body));
}

function hash(text: string): number {
  let value = 0;
  for (const character of text) value = (Math.imul(value, 31) + (character.codePointAt(0) ?? 0)) | 0;
  return value;
}
