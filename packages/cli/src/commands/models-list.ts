import { InvalidInputError } from '@goosuke/core';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import { exitCodes, listingExitCodes } from '../exit-codes.ts';
import { defineCommand } from './command.ts';
import { listAllModelProfiles, renderModelProfileTable } from './model-profile-output.ts';

/** `goosuke models list [--json]`: every stored model profile, as a table or a JSON array; never a key. */
export const modelsListCommand = defineCommand({
  name: 'list',
  summary: 'List the stored model profiles.',
  description: [
    'Prints every stored model profile as a table: id, name, provider, model, base URL and whether',
    'an API key is stored (never the key). Configuration is read as for goosuke models add.',
  ].join('\n'),
  arguments: [],
  options: {
    json: {
      type: 'boolean',
      description:
        'Print one JSON array of profiles { id, provider, modelName, displayName, baseUrl, hasApiKey, capabilities, createdAt, updatedAt }; capabilities holds the overrides ({} for none).',
    },
  },
  exitCodes: listingExitCodes,

  async run({ io, options, positionals }) {
    if (positionals.length > 0) {
      throw new InvalidInputError('models list takes no arguments; see goosuke models list --help');
    }
    const configuration = await readCliConfiguration(io);
    const profiles = await withDefaultGoosuke(configuration, (goosuke) =>
      listAllModelProfiles(goosuke.models),
    );
    if (options.json === true) io.stdout.write(`${JSON.stringify(profiles, null, 2)}\n`);
    else if (profiles.length === 0) io.stdout.write('No model profiles; add one with goosuke models add.\n');
    else io.stdout.write(renderModelProfileTable(profiles));
    return exitCodes.success;
  },
});
