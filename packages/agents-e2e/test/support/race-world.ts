// What both races (test/race.test.ts through `goosuke run`, test/race-http.test.ts through the
// HTTP server) run against: the repository served by the GitHub Enterprise fake (REST API and a
// real smart-HTTP git server), the agents' fake model and the API model's OpenAI fake, whose one
// reply is the edit every agent makes.
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { makeGitRepository, runGit } from '@goosuke/core/testing';
import { type FakeGitHubEnterprise, startFakeGitHubEnterprise } from '@goosuke/github/testing';
import { type FakeOpenAIServer, startFakeOpenAIServer } from '@goosuke/openai/testing';
// The API model's edit format (a summary, then SEARCH/REPLACE blocks), as the integration tests write it.
import { searchReplaceReply } from '../../../integration/test/support.ts';
import { agents, realKeys } from './agents.ts';
import { greetSource } from './e2e-goosuke.ts';
import { type FakeAgentModel, startFakeAgentModel } from './fake-agent-model.ts';
import { defaultScript } from './fake-model-script.ts';

/** The servers of a race; each is closed by whoever started the world (see {@link startRaceWorld}). */
export interface RaceWorld {
  /** The bare repository the code host serves as `octo/shop`. */
  bare: string;
  host: FakeGitHubEnterprise;
  fake: FakeAgentModel;
  openai: FakeOpenAIServer;
}

/**
 * Makes `octo/shop` (src/greet.ts, README.md) under `dir`, serves it, and starts the fakes. Each
 * server is put into `open` as soon as it runs, so that the caller's teardown closes whatever was
 * started even when a later step fails.
 */
export async function startRaceWorld(
  dir: string,
  options: { githubToken: string; apiModelKey: string },
  open: { host?: FakeGitHubEnterprise; fake?: FakeAgentModel; openai?: FakeOpenAIServer },
): Promise<RaceWorld> {
  const source = path.join(dir, 'source');
  await mkdir(source);
  await makeGitRepository(source, { 'src/greet.ts': greetSource, 'README.md': '# greet\n' });
  const served = path.join(dir, 'served');
  const bare = path.join(served, 'octo', 'shop.git');
  await runGit(dir, ['clone', '-q', '--bare', source, bare]);
  const host = await startFakeGitHubEnterprise({ root: served, token: options.githubToken });
  open.host = host;
  host.github.addRepository({ fullName: 'octo/shop', defaultBranch: 'main' });
  const fake = await startFakeAgentModel({
    keys: realKeys,
    models: Object.fromEntries(Object.values(agents).map((agent) => [agent.wire, agent.model])),
  });
  open.fake = fake;
  const openai = await startFakeOpenAIServer({ apiKey: options.apiModelKey });
  open.openai = openai;
  openai.respond({
    kind: 'reply',
    text: searchReplaceReply(
      'src/greet.ts',
      'Warmer, by the API model.',
      defaultScript.oldText,
      defaultScript.newText,
    ),
  });
  return { bare, host, fake, openai };
}
