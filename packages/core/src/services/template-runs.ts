import type { z } from 'zod';
import type { AgentRunInput, Template } from '../domain/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import type { createRunsInputSchema } from './run-service.ts';

/** The part of a runs' input a template decides: who runs, and with which limits and grants. */
export type TemplateRunSettings = Pick<
  z.input<typeof createRunsInputSchema>,
  'models' | 'agents' | 'allowShell' | 'maxCostUsd' | 'maxTokens'
>;

/**
 * The executors and settings of the runs a trigger of `template` makes. The trigger's `models`
 * and `agents` replace the template's defaults when it names either (a trigger naming only
 * models runs no default agent); otherwise the template's default models and agents run. The
 * shell grant and the spending and token limits are always the template's: whoever may fire an
 * action may not widen what its administrator allowed.
 * @throws InvalidInputError when neither the trigger nor the template names a model or an agent.
 */
export function templateRunSettings(
  template: Template,
  trigger: { models?: readonly string[] | undefined; agents?: readonly AgentRunInput[] | undefined },
): TemplateRunSettings {
  const named = trigger.models !== undefined || trigger.agents !== undefined;
  const models = [...(named ? (trigger.models ?? []) : template.defaultModelProfileIds)];
  const agents = [...(named ? (trigger.agents ?? []) : template.defaultAgents)];
  if (models.length + agents.length === 0) {
    throw new InvalidInputError(
      `template ${template.name} has no default models or agents: name models or agents, or give the template defaultModelProfileIds or defaultAgents`,
      [{ path: ['models'], message: 'required: the template has no default models or agents' }],
    );
  }
  return {
    models,
    agents,
    allowShell: template.allowShell,
    ...(template.maxCostUsd === null ? {} : { maxCostUsd: template.maxCostUsd }),
    ...(template.maxTokens === null ? {} : { maxTokens: template.maxTokens }),
  };
}
