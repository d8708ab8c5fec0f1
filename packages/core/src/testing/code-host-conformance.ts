import { afterEach, describe, expect, it } from 'vitest';
import type { CodeHost, HostedPullRequest } from '../ports/index.ts';
import { expectRejectsWith } from './conformance-assertions.ts';

/** What the code host conformance suite works with in one test. */
export interface CodeHostConformanceSubject {
  /** The host under test. Configure lists to fetch at most 10 items per page, so that the suite's seeds span pages. */
  host: CodeHost;
  /**
   * An existing repository (`owner/name`) the host's credentials can write to, holding only its
   * default branch, no pull requests and no pull request templates. A fresh one per test.
   */
  repository: string;
  /** The default branch of `repository`. */
  defaultBranch: string;
  /** Creates branch `name` in `repository` with at least one commit beyond the default branch. */
  createBranch(name: string): Promise<void>;
  /** Writes a file (`path` without a leading slash) on the default branch of `repository`. */
  writeFile(path: string, content: string): Promise<void>;
  /** Creates another repository (`owner/name`) the credentials reach (it must then be listed). */
  createRepository(fullName: string): Promise<void>;
  /** Merges an open pull request of `repository`; the merged-state case is skipped without it. */
  mergePullRequest?(number: number): Promise<void>;
  /**
   * Makes the host's next answer arrive `ms` late, so that an abort lands mid-call; the
   * mid-call abort case is skipped without it.
   */
  delayNextAnswer?(ms: number): void;
}

/** How the code host conformance suite gets the host under test. */
export interface CodeHostConformanceFactory {
  /** A subject for one test; called before every test. */
  create(): Promise<CodeHostConformanceSubject>;
  /** Called after every test. */
  cleanup?(): Promise<void>;
}

const testTimeoutMs = 15_000;

function abortedSignal(): AbortSignal {
  const controller = new AbortController();
  controller.abort(new Error('stopped by the test'));
  return controller.signal;
}

function expectPullRequestShape(pull: HostedPullRequest): void {
  expect(Number.isInteger(pull.number) && pull.number > 0, `number ${pull.number}`).toBe(true);
  expect(typeof pull.url).toBe('string');
  expect(pull.url.length).toBeGreaterThan(0);
  expect(['open', 'closed', 'merged']).toContain(pull.state);
  expect(typeof pull.draft).toBe('boolean');
}

/**
 * Runs the CodeHost contract (see `CodeHost` in `@goosuke/core`) against an implementation:
 * lists span pages, the pull request lifecycle (create, get, update, find by head with open ones
 * first and newest first), duplicate heads as conflicts, refusals as invalid_input, missing
 * repositories and pull requests, templates in GitHub's order of precedence, git credentials
 * and cancellation. Call it inside a test file of the implementation's package.
 */
export function describeCodeHostConformance(name: string, factory: CodeHostConformanceFactory): void {
  describe(`CodeHost conformance: ${name}`, () => {
    let counter = 0;
    const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++counter}`;

    afterEach(async () => {
      await factory.cleanup?.();
    });

    async function withBranch(): Promise<{ subject: CodeHostConformanceSubject; branch: string }> {
      const subject = await factory.create();
      const branch = unique('feature');
      await subject.createBranch(branch);
      return { subject, branch };
    }

    it(
      'listBranches returns the branches of every page',
      async () => {
        const subject = await factory.create();
        const created: string[] = [];
        for (let index = 0; index < 24; index++) {
          const branch = `many/${String(index).padStart(2, '0')}`;
          await subject.createBranch(branch);
          created.push(branch);
        }
        const branches = await subject.host.listBranches({ repository: subject.repository });
        expect([...branches].sort()).toEqual([subject.defaultBranch, ...created].sort());
      },
      testTimeoutMs,
    );

    it(
      'listRepositories returns the repositories of every page, without credentials in clone URLs',
      async () => {
        const subject = await factory.create();
        const [owner] = subject.repository.split('/');
        const created: string[] = [];
        for (let index = 0; index < 12; index++) {
          const fullName = `${owner}/${unique('listed')}`;
          await subject.createRepository(fullName);
          created.push(fullName);
        }
        const repositories = await subject.host.listRepositories();
        const names = repositories.map((repository) => repository.fullName);
        expect(new Set(names).size, 'no repository is listed twice').toBe(names.length);
        for (const fullName of [subject.repository, ...created]) expect(names).toContain(fullName);
        const own = repositories.find((repository) => repository.fullName === subject.repository);
        expect(own?.defaultBranch).toBe(subject.defaultBranch);
        for (const repository of repositories) {
          expect(repository.cloneUrl).toMatch(/^https?:\/\//);
          expect(repository.cloneUrl, 'clone URLs carry no credentials').not.toMatch(/^https?:\/\/[^/]*@/);
          expect(typeof repository.private).toBe('boolean');
        }
      },
      testTimeoutMs,
    );

    it(
      'creates, reads and updates a pull request; fields left out stay as they are',
      async () => {
        const { subject, branch } = await withBranch();
        const { host, repository } = subject;
        const created = await host.createPullRequest({
          repository,
          head: branch,
          base: subject.defaultBranch,
          title: 'Add the feature ✨',
          body: 'Body with\nseveral lines — and unicode: 日本語',
          draft: true,
        });
        expectPullRequestShape(created);
        expect(created).toMatchObject({
          title: 'Add the feature ✨',
          body: 'Body with\nseveral lines — and unicode: 日本語',
          head: branch,
          base: subject.defaultBranch,
          state: 'open',
          draft: true,
        });
        expect(await host.getPullRequest({ repository, number: created.number })).toEqual(created);

        const retitled = await host.updatePullRequest({
          repository,
          number: created.number,
          title: 'New title',
        });
        expect(retitled).toMatchObject({
          number: created.number,
          title: 'New title',
          body: created.body,
          state: 'open',
        });
        const rebodied = await host.updatePullRequest({ repository, number: created.number, body: '' });
        expect(rebodied).toMatchObject({ title: 'New title', body: '' });
        const closed = await host.updatePullRequest({ repository, number: created.number, state: 'closed' });
        expect(closed.state).toBe('closed');
        expect((await host.getPullRequest({ repository, number: created.number }))?.state).toBe('closed');
        const reopened = await host.updatePullRequest({ repository, number: created.number, state: 'open' });
        expect(reopened).toMatchObject({ state: 'open', title: 'New title', head: branch });
      },
      testTimeoutMs,
    );

    it(
      'findPullRequest returns open ones first, then the newest; with state open only an open one',
      async () => {
        const { subject, branch } = await withBranch();
        const { host, repository } = subject;
        const base = subject.defaultBranch;
        expect(await host.findPullRequest({ repository, head: branch, state: 'all' })).toBeNull();
        const first = await host.createPullRequest({
          repository,
          head: branch,
          base,
          title: 'first',
          body: '',
        });
        expect((await host.findPullRequest({ repository, head: branch }))?.number).toBe(first.number);
        await host.updatePullRequest({ repository, number: first.number, state: 'closed' });
        expect(await host.findPullRequest({ repository, head: branch, state: 'open' })).toBeNull();
        expect((await host.findPullRequest({ repository, head: branch, state: 'all' }))?.number).toBe(
          first.number,
        );

        const second = await host.createPullRequest({
          repository,
          head: branch,
          base,
          title: 'second',
          body: '',
        });
        expect(second.number).not.toBe(first.number);
        expect((await host.findPullRequest({ repository, head: branch, state: 'all' }))?.number).toBe(
          second.number,
        );
        await host.updatePullRequest({ repository, number: second.number, state: 'closed' });
        expect((await host.findPullRequest({ repository, head: branch, state: 'all' }))?.number).toBe(
          second.number,
        );

        // The older one reopened beats the newer closed one.
        await host.updatePullRequest({ repository, number: first.number, state: 'open' });
        const found = await host.findPullRequest({ repository, head: branch, state: 'all' });
        expect(found).toMatchObject({ number: first.number, state: 'open', head: branch });
        expect((await host.findPullRequest({ repository, head: branch, state: 'open' }))?.number).toBe(
          first.number,
        );

        const other = unique('other');
        await subject.createBranch(other);
        await host.createPullRequest({ repository, head: other, base, title: 'other', body: '' });
        expect((await host.findPullRequest({ repository, head: branch }))?.number).toBe(first.number);
        expect(await host.findPullRequest({ repository, head: unique('nobody') })).toBeNull();
      },
      testTimeoutMs,
    );

    it(
      'a second open pull request for the same head is a conflict',
      async () => {
        const { subject, branch } = await withBranch();
        const options = {
          repository: subject.repository,
          head: branch,
          base: subject.defaultBranch,
          title: 't',
          body: 'b',
        };
        await subject.host.createPullRequest(options);
        await expectRejectsWith(
          () => subject.host.createPullRequest({ ...options, title: 'again' }),
          'conflict',
        );
      },
      testTimeoutMs,
    );

    it(
      'a pull request the host refuses (unknown head, head equal to base) is invalid_input',
      async () => {
        const subject = await factory.create();
        const { host, repository } = subject;
        const base = subject.defaultBranch;
        await expectRejectsWith(
          () => host.createPullRequest({ repository, head: unique('missing'), base, title: 't', body: '' }),
          'invalid_input',
        );
        await expectRejectsWith(
          () => host.createPullRequest({ repository, head: base, base, title: 't', body: '' }),
          'invalid_input',
        );
      },
      testTimeoutMs,
    );

    it(
      'a missing repository is not_found; a missing pull request is null (or not_found to update)',
      async () => {
        const subject = await factory.create();
        const { host } = subject;
        const [owner] = subject.repository.split('/');
        const missing = `${owner}/${unique('does-not-exist')}`;
        await expectRejectsWith(() => host.listBranches({ repository: missing }), 'not_found');
        await expectRejectsWith(() => host.findPullRequest({ repository: missing, head: 'x' }), 'not_found');
        await expectRejectsWith(
          () => host.createPullRequest({ repository: missing, head: 'a', base: 'b', title: 't', body: '' }),
          'not_found',
        );
        await expectRejectsWith(() => host.getPullRequestTemplates({ repository: missing }), 'not_found');
        expect(await host.getPullRequest({ repository: subject.repository, number: 987_654 })).toBeNull();
        await expectRejectsWith(
          () => host.updatePullRequest({ repository: subject.repository, number: 987_654, title: 'x' }),
          'not_found',
        );
      },
      testTimeoutMs,
    );

    it(
      'a malformed repository name is invalid_input',
      async () => {
        const subject = await factory.create();
        await expectRejectsWith(() => subject.host.listBranches({ repository: 'no-slash' }), 'invalid_input');
      },
      testTimeoutMs,
    );

    it(
      'returns the pull request templates in order of precedence, or none',
      async () => {
        const subject = await factory.create();
        const { host, repository } = subject;
        expect(await host.getPullRequestTemplates({ repository })).toEqual([]);
        await subject.writeFile('.github/PULL_REQUEST_TEMPLATE/feature.md', 'feature template\n');
        await subject.writeFile('.github/PULL_REQUEST_TEMPLATE/bugfix.md', 'bugfix template ✓\n');
        await subject.writeFile('docs/PULL_REQUEST_TEMPLATE.md', 'docs template\n');
        await subject.writeFile('pull_request_template.md', 'root template\n');
        await subject.writeFile('.github/pull_request_template.md', '## What\n\n## Why — 日本語\n');
        await subject.writeFile('docs/guide.md', 'not a template\n');
        const expected = [
          { path: '.github/pull_request_template.md', content: '## What\n\n## Why — 日本語\n' },
          { path: 'pull_request_template.md', content: 'root template\n' },
          { path: 'docs/PULL_REQUEST_TEMPLATE.md', content: 'docs template\n' },
          { path: '.github/PULL_REQUEST_TEMPLATE/bugfix.md', content: 'bugfix template ✓\n' },
          { path: '.github/PULL_REQUEST_TEMPLATE/feature.md', content: 'feature template\n' },
        ];
        expect(await host.getPullRequestTemplates({ repository })).toEqual(expected);
        expect(await host.getPullRequestTemplates({ repository, ref: subject.defaultBranch })).toEqual(
          expected,
        );
      },
      testTimeoutMs,
    );

    it(
      'reports a merged pull request as merged',
      async (context) => {
        const { subject, branch } = await withBranch();
        if (!subject.mergePullRequest) return context.skip();
        const created = await subject.host.createPullRequest({
          repository: subject.repository,
          head: branch,
          base: subject.defaultBranch,
          title: 'to merge',
          body: '',
        });
        await subject.mergePullRequest(created.number);
        const merged = await subject.host.getPullRequest({
          repository: subject.repository,
          number: created.number,
        });
        expect(merged?.state).toBe('merged');
        expect(
          (await subject.host.findPullRequest({ repository: subject.repository, head: branch, state: 'all' }))
            ?.state,
        ).toBe('merged');
      },
      testTimeoutMs,
    );

    it(
      'getGitAuth returns a username and a token',
      async () => {
        const subject = await factory.create();
        const auth = await subject.host.getGitAuth({ repository: subject.repository });
        expect(auth.username.length).toBeGreaterThan(0);
        expect(auth.token.length).toBeGreaterThan(0);
      },
      testTimeoutMs,
    );

    it(
      'an aborted signal cancels every method',
      async () => {
        const { subject, branch } = await withBranch();
        const { host, repository } = subject;
        const signal = abortedSignal();
        await expectRejectsWith(() => host.listRepositories({ signal }), 'canceled');
        await expectRejectsWith(() => host.listBranches({ repository, signal }), 'canceled');
        await expectRejectsWith(
          () =>
            host.createPullRequest({
              repository,
              head: branch,
              base: subject.defaultBranch,
              title: 't',
              body: '',
              signal,
            }),
          'canceled',
        );
        await expectRejectsWith(
          () => host.updatePullRequest({ repository, number: 1, title: 't', signal }),
          'canceled',
        );
        await expectRejectsWith(() => host.getPullRequest({ repository, number: 1, signal }), 'canceled');
        await expectRejectsWith(() => host.findPullRequest({ repository, head: branch, signal }), 'canceled');
        await expectRejectsWith(() => host.getPullRequestTemplates({ repository, signal }), 'canceled');
        await expectRejectsWith(() => host.getGitAuth({ repository, signal }), 'canceled');
        // Nothing was created by the canceled call.
        expect(await host.findPullRequest({ repository, head: branch, state: 'all' })).toBeNull();
      },
      testTimeoutMs,
    );

    it(
      'aborting mid-call cancels it promptly',
      async (context) => {
        const subject = await factory.create();
        if (!subject.delayNextAnswer) return context.skip();
        subject.delayNextAnswer(2000);
        const controller = new AbortController();
        const started = Date.now();
        setTimeout(() => controller.abort(new Error('stopped by the test')), 50);
        await expectRejectsWith(
          () => subject.host.listBranches({ repository: subject.repository, signal: controller.signal }),
          'canceled',
        );
        expect(Date.now() - started).toBeLessThan(1500);
      },
      testTimeoutMs,
    );
  });
}
