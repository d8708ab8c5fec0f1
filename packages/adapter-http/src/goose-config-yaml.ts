import {
  type ExtensionGooseSync,
  type GooseConfigEdit,
  type GooseExportReport,
  type GooseImportReport,
  InvalidInputError,
} from '@goosuke/core';
import {
  type Document,
  isMap,
  isScalar,
  isSeq,
  type Pair,
  parseDocument,
  visit,
  type YAMLMap,
  type YAMLSeq,
} from 'yaml';

// Goose's config.yaml as text, for the routes of this adapter and, as the entry point
// `@goosuke/adapter-http/goose-config` (no Express behind it), for the CLI, which depends on this
// package anyway: one small module rather than a package of its own. Core maps Goose's entries
// on plain values and stays free of a YAML parser (the node build of `yaml` imports `process`,
// and core's runtime dependencies are kept to zod, jose and croner); this module reads the text
// into a `yaml` Document and writes core's edits back into that Document, so that the comments,
// the order and every key of the user's file that the edits do not name (other settings, other
// extensions, unknown fields of an entry) survive.

/** A Goose `config.yaml`, parsed. */
export interface GooseConfigDocument {
  /** The text as given. */
  readonly source: string;
  /** The document, to write edits back into. */
  readonly document: Document;
  /** Its `extensions:` mapping as plain values; `{}` when it has none. */
  readonly extensions: Record<string, unknown>;
}

/** An alias may be expanded at most this many times: a small file cannot become a huge one. */
const maxAliasCount = 100;

function invalid(message: string, detail: string = message): InvalidInputError {
  return new InvalidInputError(message, [{ path: ['config'], message: detail }]);
}

/** The line of `offset` in `source`, counted from 1. */
function lineOf(source: string, offset: number): number {
  let line = 1;
  for (
    let index = source.indexOf('\n');
    index !== -1 && index < offset;
    index = source.indexOf('\n', index + 1)
  ) {
    line++;
  }
  return line;
}

/**
 * Parses the text of a Goose `config.yaml` (empty text is an empty file). InvalidInputError,
 * naming the line and column, for text that is not YAML (a duplicate key included); naming
 * the line for a file whose top level or whose `extensions:` is not a mapping.
 */
export function parseGooseConfig(source: string): GooseConfigDocument {
  const document = parseDocument(source, { prettyErrors: true, uniqueKeys: true });
  const [error] = document.errors;
  if (error !== undefined) {
    const where = error.linePos?.[0];
    // yaml's message ends with its own " at line L, column C:" and an excerpt: one line here.
    const what = (error.message.split('\n')[0] ?? error.message).replace(/ at line \d+, column \d+:$/, '');
    const at = where === undefined ? '' : ` at line ${where.line}, column ${where.col}`;
    throw invalid(`the Goose config is not valid YAML${at}: ${what}`, `${what}${at}`);
  }
  const contents = document.contents;
  if (contents === null || (isScalar(contents) && contents.value === null)) {
    return { source, document, extensions: {} };
  }
  if (!isMap(contents)) {
    throw invalid('the Goose config must be a mapping (KEY: value lines) at its top level');
  }
  const node = contents.get('extensions', true);
  if (node !== undefined && !(isScalar(node) && node.value === null) && !isMap(node)) {
    const line =
      node.range === undefined || node.range === null ? '' : ` (line ${lineOf(source, node.range[0])})`;
    throw invalid(`extensions${line} must be a mapping of extension entries in the Goose config`);
  }
  let plain: unknown;
  try {
    plain = isMap(node) ? node.toJS(document, { maxAliasCount }) : {};
  } catch (cause) {
    throw new InvalidInputError(
      `the Goose config's extensions cannot be read: ${cause instanceof Error ? cause.message : String(cause)}`,
      [{ path: ['config'], message: 'unreadable extensions' }],
      { cause },
    );
  }
  return { source, document, extensions: plain as Record<string, unknown> };
}

function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A scalar as a Goose string field reads it, for comparisons (`8080` is "8080"). */
function textOf(value: unknown): unknown {
  return typeof value === 'number' || typeof value === 'boolean' ? String(value) : value;
}

/** The pair of `map` whose key reads as `key` (keys may be numbers or booleans in YAML). */
function pairOf(map: YAMLMap, key: string): Pair | undefined {
  return map.items.find((pair) => String(isScalar(pair.key) ? pair.key.value : pair.key) === key);
}

function removeKey(map: YAMLMap, key: string): void {
  const pair = pairOf(map, key);
  if (pair !== undefined) map.items.splice(map.items.indexOf(pair), 1);
}

/** Makes `map` hold exactly `value`'s keys, changing only entries whose values differ. */
function syncMap(document: Document, map: YAMLMap, value: Record<string, unknown>): void {
  for (const pair of [...map.items]) {
    const key = String(isScalar(pair.key) ? pair.key.value : pair.key);
    if (!Object.hasOwn(value, key)) map.items.splice(map.items.indexOf(pair), 1);
  }
  for (const [key, item] of Object.entries(value)) {
    const pair = pairOf(map, key);
    if (pair === undefined) {
      map.items.push(document.createPair(key, item));
    } else if (isScalar(pair.value)) {
      // The node stays, with its comment and quoting: only its value changes.
      if (textOf(pair.value.value) !== textOf(item)) pair.value.value = item;
    } else {
      pair.value = document.createNode(item);
    }
  }
}

/** Makes `list` hold `value`'s items, keeping the nodes (and comments) of those that stay the same. */
function syncList(document: Document, list: YAMLSeq, value: readonly unknown[]): void {
  for (const [index, item] of value.entries()) {
    const node = list.items[index];
    if (isScalar(node) && !Array.isArray(item) && !isPlainMap(item)) {
      if (textOf(node.value) !== textOf(item)) node.value = item;
    } else {
      list.items[index] = document.createNode(item);
    }
  }
  list.items.splice(value.length);
}

/** Writes `value` to `field` of the entry `entry`, keeping what it can of the node there. */
function setField(document: Document, entry: YAMLMap, field: string, value: unknown): void {
  const pair = pairOf(entry, field);
  if (pair === undefined) {
    entry.items.push(document.createPair(field, value));
    return;
  }
  const node = pair.value;
  if (isPlainMap(value) && isMap(node)) {
    syncMap(document, node, value);
  } else if (Array.isArray(value) && isSeq(node)) {
    syncList(document, node, value);
  } else if (isScalar(node) && !Array.isArray(value) && !isPlainMap(value)) {
    node.value = value;
  } else {
    pair.value = document.createNode(value);
  }
}

/**
 * How the file indents a block list under a key: `true` when its dashes are indented (`args:`
 * then `  - x`), `false` when they are not, as Goose writes them. Goose's own style when the file
 * has no block list to tell.
 */
function indentsSequences(config: GooseConfigDocument): boolean {
  const { source } = config;
  const column = (offset: number) => offset - (source.lastIndexOf('\n', offset - 1) + 1);
  let indented = false;
  visit(config.document, {
    Pair(_key, pair) {
      const list = pair.value;
      if (!isSeq(list) || list.flow === true || !isScalar(pair.key) || !list.range || !pair.key.range) {
        return undefined;
      }
      indented = column(list.range[0]) > column(pair.key.range[0]);
      return visit.BREAK;
    },
  });
  return indented;
}

/**
 * The text of `config` with core's `edits` (GooseExportPlan.edits) applied to its `extensions:`
 * mapping: a created entry is written whole (appended, or in place of a key that held no mapping),
 * another has only the fields it names set or removed, and a mapping field (`envs`, `headers`)
 * only the names that differ. Everything else of the file is kept: its other keys and entries,
 * unknown fields, comments and order; the text as given when there is no edit.
 */
export function renderGooseConfig(config: GooseConfigDocument, edits: readonly GooseConfigEdit[]): string {
  if (edits.length === 0) return config.source;
  const { document } = config;
  const indentSeq = indentsSequences(config);
  if (!isMap(document.contents)) document.contents = document.createNode({});
  const top = document.contents as YAMLMap;
  const found: unknown = top.get('extensions', true);
  let entries: YAMLMap;
  if (isMap(found)) {
    entries = found;
  } else {
    entries = document.createNode({}) as YAMLMap;
    const pair = pairOf(top, 'extensions');
    if (pair === undefined) top.items.push(document.createPair('extensions', entries));
    else pair.value = entries;
  }
  // `extensions: {}` grows into a block mapping, as Goose writes it, not a one-line flow one.
  if (entries.items.length === 0) entries.flow = false;
  for (const edit of edits) {
    const pair = pairOf(entries, edit.key);
    if (edit.create || pair === undefined || !isMap(pair.value)) {
      const created = document.createNode(edit.set);
      if (pair === undefined) entries.items.push(document.createPair(edit.key, created));
      else pair.value = created;
      continue;
    }
    const entry = pair.value;
    for (const [field, value] of Object.entries(edit.set)) setField(document, entry, field, value);
    for (const field of edit.remove) removeKey(entry, field);
  }
  return document.toString({ indentSeq, lineWidth: 0 });
}

/** What the helpers below call: `goosuke.extensions`, or `goosuke.as(user).extensions`. */
export type GooseSyncTarget = Pick<ExtensionGooseSync, 'importFromGoose' | 'exportToGoose'>;

/**
 * Imports the extensions of the Goose `config.yaml` text `source` through `target` (see
 * ExtensionGooseSync.importFromGoose). InvalidInputError for text that is not a Goose config.
 */
export async function importGooseConfig(
  target: GooseSyncTarget,
  source: string,
  options: { restoreDeleted?: boolean } = {},
): Promise<GooseImportReport> {
  const { extensions } = parseGooseConfig(source);
  return target.importFromGoose({ extensions, restoreDeleted: options.restoreDeleted ?? false });
}

/**
 * Writes the extensions `target` gives into the Goose `config.yaml` text `source` (a new file
 * when undefined) and returns the new text with the report (see ExtensionGooseSync.exportToGoose):
 * never a secret value, the rest of the file as it was. InvalidInputError for text that is not a
 * Goose config.
 */
export async function exportGooseConfig(
  target: GooseSyncTarget,
  source = '',
): Promise<{ config: string; report: GooseExportReport }> {
  const config = parseGooseConfig(source);
  const plan = await target.exportToGoose({ extensions: config.extensions });
  return { config: renderGooseConfig(config, plan.edits), report: plan.report };
}
