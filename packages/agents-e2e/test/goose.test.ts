// Goose (`goose acp`) is the fourth built-in agent. It is a native binary published on GitHub
// releases, not on npm, and this machine reaches no network but the npm registry: it cannot be
// installed here, so it is not run. Its recipe (command line, environment, config file,
// permission normalisation) is tested in packages/acp (test/agent-recipes.test.ts,
// test/recipe-permissions.test.ts); running the real one needs a host with `goose` on PATH.
import { describe, it } from 'vitest';

describe('Goose through Goosuke', () => {
  it.skip('edits, cancels, fails and asks like the others: not installable here (no npm package)', () => {});
});
