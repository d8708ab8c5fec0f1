import { describe, expect, it } from 'vitest';
import {
  createGitHubCodeHostResolver,
  gitHubRepositoryOf,
  gitHubWebHost,
} from './github-code-host-resolver.ts';

describe('gitHubWebHost and gitHubRepositoryOf', () => {
  it('map github.com and GitHub Enterprise repository URLs to owner/name', () => {
    expect(gitHubWebHost('https://api.github.com')).toBe('github.com');
    expect(gitHubWebHost('https://GHE.example.com/api/v3')).toBe('ghe.example.com');
    expect(gitHubWebHost('http://127.0.0.1:8123/api/v3')).toBe('127.0.0.1:8123');
    for (const url of [
      'https://github.com/octo/repo',
      'https://github.com/octo/repo.git',
      'https://github.com/octo/repo/',
      'https://GitHub.com/octo/repo.git',
    ]) {
      expect(gitHubRepositoryOf(url, 'github.com'), url).toBe('octo/repo');
    }
    expect(gitHubRepositoryOf('https://ghe.example.com/team/app.git', 'ghe.example.com')).toBe('team/app');
  });

  it('refuses other hosts, paths, protocols and local paths', () => {
    for (const url of [
      'https://gitlab.com/octo/repo.git',
      'https://github.com/octo',
      'https://github.com/octo/repo/tree/main',
      'git@github.com:octo/repo.git',
      'ssh://git@github.com/octo/repo.git',
      '/home/me/repo',
      'file:///home/me/repo',
    ]) {
      expect(gitHubRepositoryOf(url, 'github.com'), url).toBeNull();
    }
  });
});

describe('createGitHubCodeHostResolver', () => {
  it('resolves only when configured, reusing one host per configuration', async () => {
    let config: { token: string; baseUrl?: string } | null = null;
    const resolver = createGitHubCodeHostResolver({
      config: async () => (config === null ? null : { options: config, source: 'settings' }),
    });
    expect(await resolver.primary()).toBeNull();
    expect(await resolver.resolve('https://github.com/octo/repo')).toBeNull();
    config = { token: 'ghp_test' };
    const first = await resolver.resolve('https://github.com/octo/repo.git');
    expect(first?.repository).toBe('octo/repo');
    expect((await resolver.resolve('https://github.com/octo/other'))?.host).toBe(first?.host);
    expect(await resolver.primary()).toEqual({ host: first?.host, source: 'settings' });
    expect(await resolver.resolve('https://ghe.example.com/octo/repo')).toBeNull();
    config = { token: 'ghp_test', baseUrl: 'https://ghe.example.com/api/v3' };
    const enterprise = await resolver.resolve('https://ghe.example.com/octo/repo');
    expect(enterprise?.repository).toBe('octo/repo');
    expect(enterprise?.host).not.toBe(first?.host);
  });
});
