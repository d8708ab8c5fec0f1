import { type Action, collectPages, InvalidInputError } from '@goosuke/core';
import { readCliConfiguration, withDefaultGoosuke } from '../configuration.ts';
import type { DefaultGoosuke } from '../default-goosuke.ts';
import { exitCodes, listingExitCodes } from '../exit-codes.ts';
import { defineCommand } from './command.ts';
import { renderTable } from './plain-table.ts';

/** Every stored action, oldest page first, as the store lists them. */
async function listAllActions(goosuke: DefaultGoosuke): Promise<Action[]> {
  return collectPages((cursor) => goosuke.actions.list({ limit: 500, cursor }));
}

/**
 * The template name of each template id the actions use; the id itself when the template cannot
 * be read (a listing should not fail over one dangling reference).
 */
async function templateNames(
  goosuke: DefaultGoosuke,
  actions: readonly Action[],
): Promise<Map<string, string>> {
  const names = new Map<string, string>();
  for (const id of new Set(actions.map((action) => action.templateId))) {
    names.set(
      id,
      await goosuke.templates.get(id).then(
        (template) => template.name,
        () => id,
      ),
    );
  }
  return names;
}

function renderActions(actions: readonly Action[], templates: ReadonlyMap<string, string>): string {
  const rows = [
    ['NAME', 'TRIGGER', 'TEMPLATE', 'ENABLED', 'ID'],
    ...actions.map((action) => [
      action.name,
      action.trigger,
      templates.get(action.templateId) ?? action.templateId,
      action.enabled ? 'yes' : 'no',
      action.id,
    ]),
  ];
  return renderTable(rows);
}

/**
 * `goosuke actions list [--json]`: every stored action as a table (name, trigger, template,
 * enabled, id) or as the JSON array of actions. Actions hold no secrets (only whether a webhook
 * secret is stored), so nothing is hidden.
 */
export const actionsListCommand = defineCommand({
  name: 'list',
  summary: 'List the stored actions.',
  description: [
    'Prints every stored action as a table: name, trigger (manual, webhook, schedule, Discord),',
    'the template it fills, whether it is enabled, and its id. Admins create actions over the',
    'HTTP API (POST /api/v1/actions); goosuke actions trigger NAME runs one from here.',
    'Configuration is read as for goosuke run: GOOSUKE_SECRET_KEY, GOOSUKE_DATA_DIR, GOOSUKE_DATABASE_URL.',
  ].join('\n'),
  arguments: [],
  options: {
    json: {
      type: 'boolean',
      description:
        'Print one JSON array of actions { id, name, templateId, trigger, config, repoId, ownerId, callbackUrl, parameterMapping, hasWebhookSecret, enabled, createdAt, updatedAt }.',
    },
  },
  exitCodes: listingExitCodes,

  async run({ io, options, positionals }) {
    if (positionals.length > 0) {
      throw new InvalidInputError('actions list takes no arguments; see goosuke actions list --help');
    }
    const configuration = await readCliConfiguration(io);
    const { actions, templates } = await withDefaultGoosuke(configuration, async (goosuke) => {
      const actions = await listAllActions(goosuke);
      return { actions, templates: await templateNames(goosuke, actions) };
    });
    if (options.json === true) io.stdout.write(`${JSON.stringify(actions, null, 2)}\n`);
    else if (actions.length === 0) {
      io.stdout.write('No actions; an admin creates one over the HTTP API with POST /api/v1/actions.\n');
    } else io.stdout.write(renderActions(actions, templates));
    return exitCodes.success;
  },
});
