// The overhead measurement of the README (run only with GOOSUKE_AGENTS_BENCH=1, which makes
// vitest.config.ts include this file and nothing else): each real agent's
// `[EDIT]` turn through Goosuke (the run pipeline in this process: task and run in SQLite, the
// clone's fetch, the working copy, the gateway, bubblewrap, the diff and the commit; warm: after
// one run that made the clone) against the same agent run directly (support/direct-agent.ts: a
// plain spawn on a checkout, the fake's URL and key in its environment), with the same fake
// latency before every model reply. Rounds alternate the two ways; medians are printed.
//
//   GOOSUKE_AGENTS_BENCH=1 [GOOSUKE_AGENTS_BENCH_LATENCY_MS=2000] [GOOSUKE_AGENTS_BENCH_ROUNDS=3] \
//     npx vitest run --project agents-e2e
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { makeGitRepository } from '@goosuke/core/testing';
import { describe, expect, it } from 'vitest';
import { type AgentName, realKeys } from './support/agents.ts';
import { runAgentDirectly } from './support/direct-agent.ts';
import { greetSource, startWorld } from './support/e2e-goosuke.ts';
import { startFakeAgentModel } from './support/fake-agent-model.ts';
import { defaultScript, keywords } from './support/fake-model-script.ts';

const enabled = process.env.GOOSUKE_AGENTS_BENCH === '1';
const latencyMs = Number(process.env.GOOSUKE_AGENTS_BENCH_LATENCY_MS ?? 2_000);
const rounds = Number(process.env.GOOSUKE_AGENTS_BENCH_ROUNDS ?? 3);
const instruction = `Make the greeting warmer. ${keywords.edit}`;

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};
const seconds = (ms: number) => (ms / 1000).toFixed(2);

describe.skipIf(!enabled)(`agent overhead: through Goosuke vs direct, model latency ${latencyMs} ms`, () => {
  it.each(['gemini', 'claude-code', 'codex'] as AgentName[])(
    '%s',
    async (name) => {
      const world = await startWorld({ fake: { latencyMs } });
      const scratch = await mkdtemp(path.join(os.tmpdir(), 'goosuke-agents-bench-'));
      const direct = await startFakeAgentModel({
        // No model check: without the gateway, Claude Code names its own models.
        keys: realKeys,
        latencyMs,
        workspacePattern: new RegExp(`${scratch.replaceAll('/', '\\/')}\\/direct-\\d+`),
      });
      try {
        const warmUp = await world.runAgent(name, instruction);
        expect(warmUp.run.status).toBe('succeeded');
        const through: number[] = [];
        const plain: number[] = [];
        const calls = { through: 0, plain: 0 };
        for (let round = 0; round < rounds; round++) {
          const before = world.fake.requests.length;
          const run = await world.runAgent(name, instruction);
          expect(run.run.status).toBe('succeeded');
          through.push(run.elapsedMs);
          calls.through = world.fake.requests.length - before;

          const checkout = path.join(scratch, `direct-${round}`);
          await makeGitRepository(checkout, { 'src/greet.ts': greetSource, 'README.md': '# greet\n' });
          const beforeDirect = direct.requests.length;
          const result = await runAgentDirectly(name, checkout, direct.url, instruction);
          expect(result.stopReason).toBe('end_turn');
          expect(result.reply).toContain(defaultScript.summary);
          plain.push(result.wallMs);
          calls.plain = direct.requests.length - beforeDirect;
        }
        expect(world.fake.problems).toEqual([]);
        expect(direct.problems).toEqual([]);
        // The same turn both ways: the same model calls.
        expect(calls.through).toBe(calls.plain);
        const ratio = median(through) / median(plain);
        console.log(
          [
            `${name}: ${calls.plain} model calls per turn, latency ${latencyMs} ms, ${rounds} rounds`,
            `  through Goosuke ${seconds(median(through))} s (${through.map(seconds).join(', ')})`,
            `  direct          ${seconds(median(plain))} s (${plain.map(seconds).join(', ')})`,
            `  ratio ${ratio.toFixed(2)}`,
            `  load average ${os.loadavg()[0]!.toFixed(2)}`,
          ].join('\n'),
        );
      } finally {
        await direct.close();
        await world.close();
        await rm(scratch, { recursive: true, force: true });
      }
    },
    600_000,
  );
});
