import { describe, expect, it } from 'vitest';
import { describeCodeHostConformance } from './code-host-conformance.ts';
import { createMemoryCodeHost } from './memory-code-host.ts';

let counter = 0;

describeCodeHostConformance('in memory', {
  async create() {
    const host = createMemoryCodeHost();
    const repository = `octo-org/conformance-${++counter}`;
    host.addRepository({ fullName: repository, defaultBranch: 'main', files: { 'README.md': '# test\n' } });
    return {
      host,
      repository,
      defaultBranch: 'main',
      async createBranch(name) {
        host.addBranch(repository, name);
        host.setFile(repository, `changes/${name}.txt`, `work on ${name}\n`, name);
      },
      async writeFile(path, content) {
        host.setFile(repository, path, content);
      },
      async createRepository(fullName) {
        host.addRepository({ fullName });
      },
      async mergePullRequest(number) {
        host.mergePullRequest(repository, number);
      },
      delayNextAnswer(ms) {
        host.delayNextAnswer(ms);
      },
    };
  },
});

describe('createMemoryCodeHost', () => {
  it('reports pull requests with pages under its base URL and the git credentials it was given', async () => {
    const host = createMemoryCodeHost({
      baseUrl: 'https://git.example.test/',
      gitAuth: { username: 'bot', token: 't0ken' },
    });
    host.addRepository({ fullName: 'octo/widgets', branches: ['feature'], private: true });
    expect(await host.listRepositories()).toEqual([
      {
        fullName: 'octo/widgets',
        cloneUrl: 'https://git.example.test/octo/widgets.git',
        defaultBranch: 'main',
        private: true,
      },
    ]);
    const pull = await host.createPullRequest({
      repository: 'octo/widgets',
      head: 'feature',
      base: 'main',
      title: 't',
      body: 'b',
    });
    expect(pull.url).toBe('https://git.example.test/octo/widgets/pull/1');
    expect(host.pullRequests('octo/widgets')).toEqual([pull]);
    expect(await host.getGitAuth({ repository: 'octo/widgets' })).toEqual({
      username: 'bot',
      token: 't0ken',
    });
    await host.getGitAuth({ repository: 'octo/widgets', fresh: true });
    expect(host.freshGitAuthCount()).toBe(1);
  });

  it('refuses to reopen a pull request while another one for its head is open, or a merged one', async () => {
    const host = createMemoryCodeHost();
    host.addRepository({ fullName: 'octo/widgets', branches: ['feature'] });
    const options = { repository: 'octo/widgets', head: 'feature', base: 'main', title: 't', body: '' };
    const first = await host.createPullRequest(options);
    await host.updatePullRequest({ repository: 'octo/widgets', number: first.number, state: 'closed' });
    const second = await host.createPullRequest(options);
    await expect(
      host.updatePullRequest({ repository: 'octo/widgets', number: first.number, state: 'open' }),
    ).rejects.toMatchObject({ code: 'conflict' });
    host.mergePullRequest('octo/widgets', second.number);
    await expect(
      host.updatePullRequest({ repository: 'octo/widgets', number: second.number, state: 'open' }),
    ).rejects.toMatchObject({ code: 'invalid_input' });
  });

  it('reads templates of the branch asked for, and none of a branch that does not exist', async () => {
    const host = createMemoryCodeHost();
    host.addRepository({ fullName: 'octo/widgets', branches: ['feature'] });
    host.setFile('octo/widgets', '.github/pull_request_template.md', 'on feature\n', 'feature');
    expect(await host.getPullRequestTemplates({ repository: 'octo/widgets' })).toEqual([]);
    expect(await host.getPullRequestTemplates({ repository: 'octo/widgets', ref: 'feature' })).toEqual([
      { path: '.github/pull_request_template.md', content: 'on feature\n' },
    ]);
    expect(await host.getPullRequestTemplates({ repository: 'octo/widgets', ref: 'nope' })).toEqual([]);
  });
});
