import { execFile } from 'node:child_process';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { type GitHttpServer, startGitHttpServer } from '@goosuke/core/testing';
import {
  type FakeGitHubServer,
  type FakeGitHubServerOptions,
  startFakeGitHubServer,
} from './fake-github-server.ts';

const run = promisify(execFile);

/** A GitHub Enterprise look-alike for end-to-end tests; see {@link startFakeGitHubEnterprise}. */
export interface FakeGitHubEnterprise {
  /** The web root: repositories are `${url}/<owner>/<name>.git`. */
  readonly url: string;
  /** The API base URL (`${url}/api/v3`), for `GOOSUKE_GITHUB_API_URL`. */
  readonly apiUrl: string;
  /** The REST fake (pull requests, templates, scripted failures). */
  readonly github: FakeGitHubServer;
  /** The smart-HTTP git server (requests and authorizations seen). */
  readonly git: GitHttpServer;
  close(): Promise<void>;
}

/** Options of {@link startFakeGitHubEnterprise}. */
export interface FakeGitHubEnterpriseOptions {
  /** Directory of bare repositories served as `<owner>/<name>.git`. */
  root: string;
  /** The token both the API and git accept (git as `x-access-token:<token>` Basic credentials). */
  token: string;
  /**
   * A GitHub App (see `FakeGitHubServerOptions.app`): git then also accepts the App's
   * installation tokens while they are valid, as GitHub does.
   */
  app?: FakeGitHubServerOptions['app'];
}

/**
 * The GitHub REST fake (under `/api/v3`) and a real smart-HTTP git server (`git http-backend`,
 * credentials required) behind one 127.0.0.1 port, as GitHub Enterprise Server lays them out:
 * a repository URL resolves to the API's host, branches pushed over git are branches the API
 * knows (read from the bare repository on every request), and pull requests can be opened from
 * them. Add each repository to `github` too (`github.addRepository({ fullName })`).
 */
export async function startFakeGitHubEnterprise(
  options: FakeGitHubEnterpriseOptions,
): Promise<FakeGitHubEnterprise> {
  // The git server asks the REST fake which installation tokens are valid: created first, read later.
  let github: FakeGitHubServer | undefined;
  const git = await startGitHttpServer({
    root: options.root,
    authorize: (username, token) => {
      if (username !== 'x-access-token') return false;
      if (token === options.token) return true;
      const installation = github?.installationTokens.get(token);
      return installation !== undefined && installation.expiresAt > Date.now();
    },
  });
  github = await startFakeGitHubServer({
    basePath: '/api/v3',
    tokens: [options.token],
    ...(options.app === undefined ? {} : { app: options.app }),
    liveBranches: async (fullName) => {
      try {
        const { stdout } = await run('git', ['for-each-ref', '--format=%(refname:short)', 'refs/heads'], {
          cwd: `${options.root}/${fullName}.git`,
        });
        return stdout.split('\n').filter((line) => line !== '');
      } catch {
        return [];
      }
    },
  });
  const apiPort = Number(new URL(github.url).port);
  const gitPort = Number(new URL(git.url).port);
  const server: Server = createServer((incoming: IncomingMessage, outgoing) => {
    const port = incoming.url?.startsWith('/api/v3') ? apiPort : gitPort;
    const upstream = httpRequest(
      { host: '127.0.0.1', port, path: incoming.url, method: incoming.method, headers: incoming.headers },
      (answer) => {
        outgoing.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(outgoing);
      },
    );
    upstream.on('error', () => outgoing.destroy());
    incoming.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    apiUrl: `${url}/api/v3`,
    github,
    git,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      await Promise.all([github.close(), git.close()]);
    },
  };
}
