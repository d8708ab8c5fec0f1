// A real smart-HTTP git server for tests: `git http-backend` behind a small Node CGI bridge on
// 127.0.0.1, optionally requiring HTTP Basic auth (which also makes receive-pack allowed, as
// `git http-backend` only accepts pushes from an authenticated REMOTE_USER).
import { spawn } from 'node:child_process';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running test git server. */
export interface GitHttpServer {
  /** `http://127.0.0.1:<port>`; a repository `<root>/x.git` is at `${url}/x.git`. */
  readonly url: string;
  /** Every request line seen (`GET /x.git/info/refs?service=...`). */
  readonly requests: string[];
  /** Authorization headers received, to check credentials travel only in headers. */
  readonly authorizations: string[];
  close(): Promise<void>;
}

/** Options of {@link startGitHttpServer}. */
export interface GitHttpServerOptions {
  /** Directory whose repositories are served. */
  root: string;
  /** When given, every request must carry these Basic credentials (401 otherwise). */
  credentials?: { username: string; token: string };
  /**
   * When given (instead of `credentials`), every request must carry Basic credentials this
   * accepts (401 otherwise): for credentials that change, such as short-lived tokens.
   */
  authorize?: (username: string, token: string) => boolean;
}

/** Starts the server; stop it with `close()`. */
export async function startGitHttpServer(options: GitHttpServerOptions): Promise<GitHttpServer> {
  const requests: string[] = [];
  const authorizations: string[] = [];
  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    let remoteUser = 'anonymous';
    const authorization = request.headers.authorization;
    if (authorization !== undefined) authorizations.push(authorization);
    if (options.credentials !== undefined || options.authorize !== undefined) {
      const decoded = /^Basic (.+)$/.exec(authorization ?? '')?.[1];
      const [user = '', ...rest] =
        decoded === undefined ? [] : Buffer.from(decoded, 'base64').toString('utf8').split(':');
      const password = rest.join(':');
      const accepted =
        decoded !== undefined &&
        (options.credentials !== undefined
          ? user === options.credentials.username && password === options.credentials.token
          : options.authorize!(user, password));
      if (!accepted) {
        response.writeHead(401, {
          'WWW-Authenticate': 'Basic realm="goosuke-test"',
          'Content-Type': 'text/plain',
        });
        response.end('authentication required\n');
        request.resume();
        return;
      }
      remoteUser = user;
    }
    const environment: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: options.root,
      GIT_HTTP_EXPORT_ALL: '1',
      REMOTE_USER: remoteUser,
      REMOTE_ADDR: '127.0.0.1',
      REQUEST_METHOD: request.method,
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      GIT_PROTOCOL: String(request.headers['git-protocol'] ?? ''),
      HTTP_CONTENT_ENCODING: String(request.headers['content-encoding'] ?? ''),
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
    };
    if (request.headers['content-length'] !== undefined)
      environment.CONTENT_LENGTH = request.headers['content-length'];
    const child = spawn('git', ['http-backend'], { env: environment });
    request.pipe(child.stdin);
    let buffered = Buffer.alloc(0);
    let headersDone = false;
    child.stdout.on('data', (chunk: Buffer) => {
      if (headersDone) {
        response.write(chunk);
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const separator = buffered.indexOf('\r\n\r\n');
      const alternative = buffered.indexOf('\n\n');
      const end = separator >= 0 ? separator : alternative;
      if (end < 0) return;
      const headerText = buffered.subarray(0, end).toString('latin1');
      const body = buffered.subarray(end + (separator >= 0 ? 4 : 2));
      let status = 200;
      const headers: Record<string, string> = {};
      for (const line of headerText.split(/\r?\n/)) {
        const colon = line.indexOf(':');
        if (colon < 0) continue;
        const name = line.slice(0, colon).trim();
        const value = line.slice(colon + 1).trim();
        if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10);
        else headers[name] = value;
      }
      response.writeHead(status, headers);
      headersDone = true;
      if (body.length > 0) response.write(body);
    });
    child.stdout.on('end', () => response.end());
    child.on('error', () => {
      if (!response.headersSent) response.writeHead(500);
      response.end();
    });
  };
  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    authorizations,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
