import { InvalidInputError, type ModelProfile } from '@goosuke/core';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import type { DefaultGoosuke } from '../default-goosuke.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { defineCommand } from './command.ts';
import { listAllModelProfiles } from './model-profile-output.ts';

const helpHint = 'see goosuke models remove --help';

/**
 * `goosuke models remove ID|NAME`: deletes a model profile and its stored key, found by id or by a
 * display name that exactly one profile has.
 */
export const modelsRemoveCommand = defineCommand({
  name: 'remove',
  summary: 'Remove a model profile and its stored key.',
  description: [
    'Removes the model profile with the id ID, or else the one profile whose display name is NAME,',
    'together with its encrypted API key. If several profiles have that name, nothing is removed:',
    'give one of their ids (goosuke models list shows them).',
  ].join('\n'),
  arguments: [{ name: 'ID|NAME', description: 'The id or the display name of the profile.' }],
  options: {},
  exitCodes: [
    [exitCodes.success, 'Removed.'],
    [exitCodes.usage, 'Usage error: no such profile, a name several profiles share, or no ID|NAME.'],
    [exitCodes.configuration, 'Configuration error (GOOSUKE_SECRET_KEY missing or weak, bad database URL).'],
    [exitCodeTable.storage.exitCode, 'Reading or writing the database failed.'],
  ],

  async run({ io, positionals }) {
    if (positionals.length !== 1) {
      throw new InvalidInputError(
        `models remove takes one ID|NAME but was given ${positionals.length}; ${helpHint}`,
      );
    }
    const wanted = positionals[0]!;
    const configuration = await readCliConfiguration(io);
    const removed = await withDefaultGoosuke(configuration, async (goosuke) => {
      const profile = await findProfile(goosuke, wanted);
      await goosuke.models.delete(profile.id);
      return profile;
    });
    io.stdout.write(`Removed model profile ${removed.id} (${removed.displayName}).\n`);
    return exitCodes.success;
  },
});

async function findProfile(goosuke: DefaultGoosuke, wanted: string): Promise<ModelProfile> {
  const profiles = await listAllModelProfiles(goosuke.models);
  const byId = profiles.find((profile) => profile.id === wanted);
  if (byId !== undefined) return byId;
  const named = profiles.filter((profile) => profile.displayName === wanted);
  if (named.length === 1) return named[0]!;
  if (named.length === 0) {
    throw new InvalidInputError(`no model profile named ${wanted}; see goosuke models list`);
  }
  throw new InvalidInputError(
    `${named.length} model profiles are named ${wanted} (${named.map((profile) => profile.id).join(', ')}); remove one by its id`,
  );
}
