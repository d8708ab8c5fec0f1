import { type BuiltInAgentName, builtInAgentOf, InvalidInputError } from '@goosuke/core';
import { claudeCodeRecipe } from './claude-code-recipe.ts';
import { codexRecipe } from './codex-recipe.ts';
import { geminiRecipe } from './gemini-recipe.ts';
import { gooseRecipe } from './goose-recipe.ts';
import type { AgentRecipe } from './recipe-types.ts';

/** The recipe of each built-in agent, by its canonical name. */
export const builtInRecipes: Readonly<Record<BuiltInAgentName, AgentRecipe>> = Object.freeze({
  'claude-code': claudeCodeRecipe,
  codex: codexRecipe,
  gemini: geminiRecipe,
  goose: gooseRecipe,
});

/**
 * The recipe of the built-in agent `name` names (canonical or alias: `gemini-cli`, `claude`).
 * @throws InvalidInputError when no built-in agent has that name.
 */
export function builtInRecipe(name: string): AgentRecipe {
  const agent = builtInAgentOf(name);
  if (agent === null) throw new InvalidInputError(`no built-in agent is named ${JSON.stringify(name)}`);
  return builtInRecipes[agent.name];
}
