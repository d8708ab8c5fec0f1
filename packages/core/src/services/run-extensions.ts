import type { Extension, RunExtension, Task } from '../domain/index.ts';
import { InvalidInputError } from '../errors/index.ts';
import { collectPages, type Store } from '../ports/store.ts';

/**
 * Checks that every id names a stored extension.
 * @throws InvalidInputError naming the unknown ids (at `path`), so the caller knows what to fix.
 */
export async function assertExtensionsExist(
  store: Store,
  ids: readonly string[],
  path: string,
): Promise<void> {
  const missing: string[] = [];
  for (const id of new Set(ids)) {
    if ((await store.extensions.get(id)) === null) missing.push(id);
  }
  if (missing.length === 0) return;
  throw new InvalidInputError(
    `no extension has the id ${missing.join(', ')}: list them with \`goosuke extensions list\` (GET /extensions)`,
    [{ path: [path], message: `unknown extension ${missing.join(', ')}` }],
  );
}

function disabledError(extension: Extension): InvalidInputError {
  return new InvalidInputError(
    `the extension ${extension.name} is disabled: an admin enables it (PATCH /extensions/${extension.id} { "enabled": true })`,
    [{ path: ['extensions'], message: `extension ${extension.name} is disabled` }],
  );
}

/**
 * Finds extensions by id or name, in order, each once (the run pipeline's and the CLI's
 * `--extension NAME`). InvalidInputError naming those that match nothing, or for a disabled one.
 */
export async function resolveExtensionIds(store: Store, names: readonly string[]): Promise<string[]> {
  const ids: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    const found = (await store.extensions.get(name)) ?? (await store.extensions.getByName(name));
    if (found === null) unknown.push(name);
    else if (!found.enabled) throw disabledError(found);
    else if (!ids.includes(found.id)) ids.push(found.id);
  }
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `unknown extension ${unknown.map((name) => JSON.stringify(name)).join(', ')}: add it with \`goosuke extensions add\`, or see \`goosuke extensions list\``,
      [{ path: ['extensions'], message: `unknown extension ${unknown.join(', ')}` }],
    );
  }
  return ids;
}

/**
 * The extensions a new run of `task` gets, read with `store` (the caller's transaction): its
 * action's template's and its action's (when an action created the task), the task's, the run's
 * own (`own`), then every enabled extension an admin marked always on; each once, in that order.
 * An extension that was deleted since a template, action or task named it is left out, as is a
 * disabled one; the run's own must exist and be enabled (InvalidInputError otherwise: the caller
 * asked for it by name). Each entry starts with the server's last reported name and version
 * (see `Run.extensions`).
 */
export async function planRunExtensions(
  store: Store,
  task: Pick<Task, 'actionId' | 'extensionIds'>,
  own: readonly string[],
): Promise<RunExtension[]> {
  const inherited: string[] = [];
  if (task.actionId !== null) {
    const action = await store.actions.get(task.actionId);
    if (action !== null) {
      const template = await store.templates.get(action.templateId);
      inherited.push(...(template?.extensionIds ?? []), ...action.extensionIds);
    }
  }
  inherited.push(...task.extensionIds);

  const chosen = new Map<string, Extension>();
  for (const id of own) {
    const extension = await store.extensions.get(id);
    if (extension === null) await assertExtensionsExist(store, [id], 'extensionIds');
    else if (!extension.enabled) throw disabledError(extension);
  }
  for (const id of [...inherited, ...own]) {
    if (chosen.has(id)) continue;
    const extension = await store.extensions.get(id);
    if (extension?.enabled) chosen.set(id, extension);
  }
  const all = await collectPages((cursor) => store.extensions.list({ limit: 500, cursor }));
  for (const extension of all) {
    if (extension.alwaysOn && extension.enabled && !chosen.has(extension.id)) {
      chosen.set(extension.id, extension);
    }
  }
  return [...chosen.values()].map((extension) => ({
    id: extension.id,
    name: extension.name,
    server: extension.server,
  }));
}
