import { createHash } from 'node:crypto';
import type { CodeHost, CodeHostResolver } from '@goosuke/core';
import { createGitHubCodeHost } from './github-code-host.ts';
import { type GitHubCodeHostOptions, gitHubDefaultBaseUrl } from './github-code-host-options.ts';

/** Options of {@link createGitHubCodeHostResolver}. */
export interface GitHubCodeHostResolverOptions {
  /**
   * The GitHub configuration and where it came from, read on every resolution (it may change
   * through the API); null when GitHub is not configured. Hosts are built once per distinct
   * configuration.
   */
  config: () => Promise<{ options: GitHubCodeHostOptions; source: 'environment' | 'settings' } | null>;
}

/**
 * The web host whose repository URLs belong to the GitHub at `baseUrl`: `github.com` for
 * `https://api.github.com`, else the API's own host and port (GitHub Enterprise Server serves
 * `https://<host>/api/v3` and its repositories at `https://<host>/<owner>/<name>`).
 */
export function gitHubWebHost(baseUrl: string): string {
  const url = new URL(baseUrl);
  return url.hostname.toLowerCase() === 'api.github.com' ? 'github.com' : url.host.toLowerCase();
}

/**
 * `owner/name` when `repoUrl` is an `http(s)` URL of a repository on `webHost`
 * (`https://github.com/owner/name` with or without `.git` or a trailing slash), else null.
 */
export function gitHubRepositoryOf(repoUrl: string, webHost: string): string | null {
  let url: URL;
  try {
    url = new URL(repoUrl);
  } catch {
    return null;
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.host.toLowerCase() !== webHost)
    return null;
  const parts = url.pathname
    .replace(/\/+$/, '')
    .replace(/\.git$/, '')
    .split('/')
    .filter((part) => part !== '');
  if (parts.length !== 2 || parts.some((part) => !/^[A-Za-z0-9._-]+$/.test(part))) return null;
  return `${parts[0]}/${parts[1]}`;
}

/**
 * A CodeHostResolver for one GitHub (github.com or a GitHub Enterprise Server), configured by
 * `config`: a repository URL on that GitHub's web host resolves to its `owner/name` and a host
 * built from the configuration; any other URL (a local path, another server) to null.
 */
export function createGitHubCodeHostResolver(options: GitHubCodeHostResolverOptions): CodeHostResolver {
  // Keyed by a digest of the configuration: the map never holds a credential as a key.
  const hosts = new Map<string, CodeHost>();
  const hostFor = (config: GitHubCodeHostOptions): CodeHost => {
    const key = createHash('sha256').update(JSON.stringify(config)).digest('hex');
    let host = hosts.get(key);
    if (host === undefined) {
      host = createGitHubCodeHost(config);
      // One configuration at a time in practice; a few are kept across changes.
      if (hosts.size >= 4) hosts.delete(hosts.keys().next().value!);
      hosts.set(key, host);
    }
    return host;
  };
  return {
    async resolve(repoUrl) {
      const config = await options.config();
      if (config === null) return null;
      const webHost = gitHubWebHost(config.options.baseUrl ?? gitHubDefaultBaseUrl);
      const repository = gitHubRepositoryOf(repoUrl, webHost);
      return repository === null ? null : { host: hostFor(config.options), repository };
    },
    async primary() {
      const config = await options.config();
      return config === null ? null : { host: hostFor(config.options), source: config.source };
    },
  };
}
