import {
  type AgentView,
  firstProfileOfWire,
  GoosukeError,
  InvalidInputError,
  type ModelProfile,
  providersOfWire,
} from '@goosuke/core';
import { createModelEndpointResolver } from '../agent-runtime.ts';
import type { DefaultGoosuke } from '../default-goosuke.ts';
import type { Environment } from '../language-models.ts';
import { type ModelSpecPlan, planModelSpec, realizeModelSpec } from './run-models.ts';

/** One `--agent` value: `NAME` or `NAME=MODEL` (a stored profile or `provider:model`). */
export interface AgentFlag {
  name: string;
  model: string | undefined;
}

/** Reads `--agent NAME[=MODEL]`; InvalidInputError for an empty name or model. */
export function parseAgentFlag(value: string): AgentFlag {
  const equals = value.indexOf('=');
  const name = (equals === -1 ? value : value.slice(0, equals)).trim();
  const model = equals === -1 ? undefined : value.slice(equals + 1).trim();
  if (name === '' || model === '') {
    throw new InvalidInputError(
      `--agent ${value}: give NAME or NAME=MODEL, e.g. claude-code or codex=openai:gpt-5.5; see goosuke agents list`,
    );
  }
  return { name, model };
}

/** An agent run as `goosuke run` plans it: the agent, and the profile its calls go to. */
export interface AgentRunPlan {
  /** The agent's name (an alias given on the command line is resolved). */
  agent: string;
  view: AgentView;
  model: ModelSpecPlan;
}

/**
 * Plans one run per `--agent` without storing anything: the agent must exist and (unless
 * `options.here` is false: the runs execute elsewhere) be installed here, and its model (the one given, else the first stored profile of a provider its wire
 * speaks, else a built-in agent's default `provider:model`) must be of such a provider and have a
 * key (stored or from the environment). Errors say what to fix: InvalidInputError for an unknown
 * agent or a model of another provider, UnsupportedError for an agent not installed (with how to
 * install it), `secret_key` for a missing key.
 */
export async function planAgentRuns(
  goosuke: DefaultGoosuke,
  flags: readonly AgentFlag[],
  env: Environment,
  known: readonly ModelProfile[],
  options: { here?: boolean } = {},
): Promise<AgentRunPlan[]> {
  const here = options.here ?? true;
  const endpointOf = createModelEndpointResolver(env);
  const plans: AgentRunPlan[] = [];
  for (const flag of flags) {
    const view = await goosuke.agents.get(flag.name).catch((error: unknown) => {
      if (GoosukeError.isInstance(error) && error.code === 'not_found') {
        throw new InvalidInputError(`--agent ${flag.name}: no such agent; see goosuke agents list`);
      }
      throw error;
    });
    if (here && !view.installation.installed) {
      throw new GoosukeError(
        'unsupported',
        `--agent ${flag.name}: ${view.displayName} is not installed here (${view.installation.problem ?? 'not found'})${view.install === null ? '' : `; install it: ${view.install}`}`,
      );
    }
    const providers = providersOfWire(view.wire);
    let model: ModelSpecPlan;
    if (flag.model !== undefined) {
      model = planModelSpec(flag.model, env, known);
    } else {
      const stored = firstProfileOfWire(known, view.wire);
      if (stored !== null) model = { kind: 'stored', profile: stored };
      else if (view.defaultModel !== null) model = planModelSpec(view.defaultModel, env, known);
      else {
        throw new InvalidInputError(
          `--agent ${flag.name}: name its model, e.g. ${flag.name}=${providers[0]}:MODEL (it speaks the ${view.wire} API)`,
        );
      }
    }
    const profile = model.kind === 'stored' ? model.profile : model.preview;
    if (!providers.includes(profile.provider)) {
      throw new InvalidInputError(
        `--agent ${flag.name}=${flag.model}: ${view.displayName} speaks the ${view.wire} API; give a model of ${providers.join(' or ')}`,
      );
    }
    // The key must be there before anything is cloned: the gateway forwards the agent's calls with it.
    if (here) {
      endpointOf(profile, model.kind === 'stored' ? await goosuke.models.revealApiKey(profile.id) : null);
    }
    plans.push({ agent: view.name, view, model });
  }
  return plans;
}

/** Stores the profiles the plans need (one per new `provider:model`, shared by plans naming it). */
export async function realizeAgentRuns(
  goosuke: DefaultGoosuke,
  plans: readonly AgentRunPlan[],
  realized: Map<string, ModelProfile>,
): Promise<Array<{ agent: string; profile: ModelProfile }>> {
  const runs: Array<{ agent: string; profile: ModelProfile }> = [];
  for (const plan of plans) {
    const key = plan.model.kind === 'stored' ? plan.model.profile.id : plan.model.input.displayName;
    let profile = realized.get(key);
    if (profile === undefined) {
      profile = await realizeModelSpec(goosuke.models, plan.model);
      realized.set(key, profile);
    }
    runs.push({ agent: plan.agent, profile });
  }
  return runs;
}
