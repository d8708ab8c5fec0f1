import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import git from 'isomorphic-git';

/** A blob or submodule entry of a flattened tree. */
export interface TreeFile {
  oid: string;
  /** 0o100644, 0o100755, 0o120000 or 0o160000 (submodule commit). */
  mode: number;
}

/** A commit's tree flattened to file paths, plus the ids of every tree in it. */
export interface FlatTree {
  /** Blob (and submodule) entries by slash-separated path. */
  files: Map<string, TreeFile>;
  /** Subtree ids by directory path ('' is the root). */
  trees: Map<string, string>;
}

/** The git id of an object of `type` with `body`. */
export function hashObject(type: 'blob' | 'tree' | 'commit', body: Uint8Array): string {
  return createHash('sha1').update(`${type} ${body.length}\0`).update(body).digest('hex');
}

/**
 * Writes a loose object into `objectsDirectory` (the clone's, shared by its working copies)
 * unless it is there already as a loose object; returns its id. Writing a packed object again
 * as a loose one is harmless.
 */
export async function writeLooseObject(
  objectsDirectory: string,
  type: 'blob' | 'tree' | 'commit',
  body: Uint8Array,
): Promise<string> {
  const oid = hashObject(type, body);
  const directory = path.join(objectsDirectory, oid.slice(0, 2));
  const file = path.join(directory, oid.slice(2));
  if (fs.existsSync(file)) return oid;
  await mkdir(directory, { recursive: true });
  const data = deflateSync(Buffer.concat([Buffer.from(`${type} ${body.length}\0`), body]));
  const temporary = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(temporary, data, { mode: 0o444 });
  await fs.promises.rename(temporary, file);
  return oid;
}

/** Reads a commit's tree id. */
export async function commitTree(gitdir: string, commit: string, cache: object): Promise<string> {
  const { commit: parsed } = await git.readCommit({ fs, gitdir, oid: commit, cache });
  return parsed.tree;
}

/** Flattens a tree recursively (every directory read once, in parallel per level). */
export async function flattenTree(gitdir: string, treeOid: string, cache: object): Promise<FlatTree> {
  const files = new Map<string, TreeFile>();
  const trees = new Map<string, string>([['', treeOid]]);
  let level: Array<{ prefix: string; oid: string }> = [{ prefix: '', oid: treeOid }];
  while (level.length > 0) {
    const next: Array<{ prefix: string; oid: string }> = [];
    const read = await Promise.all(
      level.map(async (entry) => ({
        entry,
        tree: await git.readTree({ fs, gitdir, oid: entry.oid, cache }),
      })),
    );
    for (const { entry, tree } of read) {
      for (const item of tree.tree) {
        const itemPath = entry.prefix === '' ? item.path : `${entry.prefix}/${item.path}`;
        if (item.type === 'tree') {
          trees.set(itemPath, item.oid);
          next.push({ prefix: itemPath, oid: item.oid });
        } else {
          files.set(itemPath, { oid: item.oid, mode: Number.parseInt(item.mode, 8) });
        }
      }
    }
    level = next;
  }
  return { files, trees };
}

/** The direct children of one directory of a flat tree. */
interface DirectoryListing {
  files: Array<{ name: string; path: string }>;
  directories: Array<{ name: string; path: string }>;
}

/** The tree ids of each flat tree, as a set: trees a commit on it need not write again. */
const knownTrees = new WeakMap<FlatTree, Set<string>>();

/** Children by directory of each flat tree, built once: every commit on that parent reuses them. */
const listings = new WeakMap<FlatTree, Map<string, DirectoryListing>>();

function listingOf(flat: FlatTree): Map<string, DirectoryListing> {
  let listing = listings.get(flat);
  if (listing !== undefined) return listing;
  const built = new Map<string, DirectoryListing>();
  const at = (directory: string): DirectoryListing => {
    let held = built.get(directory);
    if (held === undefined) {
      held = { files: [], directories: [] };
      built.set(directory, held);
    }
    return held;
  };
  flat.files.forEach((_, file) => {
    const slash = file.lastIndexOf('/');
    at(slash < 0 ? '' : file.slice(0, slash)).files.push({ name: file.slice(slash + 1), path: file });
  });
  flat.trees.forEach((_, directory) => {
    if (directory === '') return;
    const slash = directory.lastIndexOf('/');
    at(slash < 0 ? '' : directory.slice(0, slash)).directories.push({
      name: directory.slice(slash + 1),
      path: directory,
    });
  });
  listing = built;
  listings.set(flat, listing);
  return listing;
}

/**
 * Writes the trees of `files` bottom-up into `objectsDirectory` and returns the root tree id.
 * Only directories where `files` differs from `parent` (the parent commit's tree) are built:
 * every other subtree keeps its id from `parent`, and trees `parent` already holds are not
 * written again. A directory left without entries disappears, as in git. The work (and the
 * memory) grows with the changed directories, not with the repository: a dirty directory's
 * entries come from the parent's listing of it plus the added files. `differing`, when given,
 * holds every path where `files` and `parent` may differ (in presence, id or mode): only those
 * are compared.
 */
export async function buildTree(
  objectsDirectory: string,
  files: ReadonlyMap<string, TreeFile>,
  parent: FlatTree,
  differing?: Iterable<string>,
): Promise<string> {
  const dirty = new Set<string>();
  const markDirty = (filePath: string): void => {
    for (let directory = parentOf(filePath); !dirty.has(directory); directory = parentOf(directory)) {
      dirty.add(directory);
      if (directory === '') break;
    }
  };
  const added: string[] = [];
  const look = (filePath: string, file: TreeFile | undefined): void => {
    const before = parent.files.get(filePath);
    if (file === undefined) {
      if (before !== undefined) markDirty(filePath);
    } else if (before === undefined) {
      added.push(filePath);
      markDirty(filePath);
    } else if (before.oid !== file.oid || before.mode !== file.mode) markDirty(filePath);
  };
  if (differing !== undefined) {
    // The caller knows where `files` may differ from `parent`: a commit of a few files in a
    // repository of 50k does not compare the other 50k.
    for (const filePath of new Set(differing)) look(filePath, files.get(filePath));
  } else {
    for (const [filePath, file] of files) look(filePath, file);
    for (const filePath of parent.files.keys()) if (!files.has(filePath)) markDirty(filePath);
  }
  const parentRoot = parent.trees.get('');
  if (dirty.size === 0 && parentRoot !== undefined) return parentRoot;
  dirty.add('');

  interface Entry {
    /** The name as git sorts it: a tree's with a trailing `/`. */
    sortKey: string;
    name: string;
    mode: number;
    oid: string;
  }
  const entries = new Map<string, Entry[]>();
  const listing = listingOf(parent);
  for (const directory of dirty) {
    const own: Entry[] = [];
    const held = listing.get(directory);
    if (held !== undefined) {
      for (const { name, path: filePath } of held.files) {
        const file = files.get(filePath);
        if (file !== undefined) own.push({ sortKey: name, name, mode: file.mode, oid: file.oid });
      }
      // An unchanged subdirectory is kept whole by its id; a changed one is added once built.
      for (const { name, path: directoryPath } of held.directories) {
        if (dirty.has(directoryPath)) continue;
        own.push({ sortKey: `${name}/`, name, mode: 0o40000, oid: parent.trees.get(directoryPath)! });
      }
    }
    entries.set(directory, own);
  }
  for (const filePath of added) {
    const directory = parentOf(filePath);
    const file = files.get(filePath)!;
    const name = directory === '' ? filePath : filePath.slice(directory.length + 1);
    entries.get(directory)!.push({ sortKey: name, name, mode: file.mode, oid: file.oid });
  }
  let known = knownTrees.get(parent);
  if (known === undefined) {
    known = new Set(parent.trees.values());
    knownTrees.set(parent, known);
  }
  // Deepest directories first, so every subtree id is known before its parent is hashed.
  const order = [...dirty].sort((left, right) => depth(right) - depth(left));
  let rootOid = '';
  for (const directory of order) {
    const list = entries.get(directory)!;
    if (list.length === 0 && directory !== '') continue;
    list.sort((left, right) => compareCodePoints(left.sortKey, right.sortKey));
    const chunks: Buffer[] = [];
    for (const entry of list) {
      chunks.push(Buffer.from(`${entry.mode.toString(8)} ${entry.name}\0`), Buffer.from(entry.oid, 'hex'));
    }
    const body = Buffer.concat(chunks);
    const oid = hashObject('tree', body);
    if (!known.has(oid)) await writeLooseObject(objectsDirectory, 'tree', body);
    if (directory === '') rootOid = oid;
    else {
      const name = directory.slice(directory.lastIndexOf('/') + 1);
      entries.get(parentOf(directory))!.push({ sortKey: `${name}/`, name, mode: 0o40000, oid });
    }
  }
  return rootOid;
}

/**
 * Compares by Unicode code point, which is the byte order of UTF-8 (git's order of tree
 * entries), without encoding: UTF-16 code units agree with it except that surrogates
 * (U+D800-DFFF) must sort after U+E000-FFFF.
 */
export function compareCodePoints(left: string, right: string): number {
  const length = Math.min(left.length, right.length);
  for (let index = 0; index < length; index++) {
    let a = left.charCodeAt(index);
    let b = right.charCodeAt(index);
    if (a === b) continue;
    if (a >= 0xd800 && b >= 0xd800) {
      a = a >= 0xe000 ? a - 0x800 : a + 0x2000;
      b = b >= 0xe000 ? b - 0x800 : b + 0x2000;
    }
    return a - b;
  }
  return left.length - right.length;
}

function parentOf(directory: string): string {
  const slash = directory.lastIndexOf('/');
  return slash < 0 ? '' : directory.slice(0, slash);
}

function depth(directory: string): number {
  if (directory === '') return 0;
  let count = 1;
  for (const character of directory) if (character === '/') count++;
  return count;
}

/** A git signature line value: `Name <email> seconds ±hhmm`. */
export function formatSignature(person: { name: string; email: string }, date: Date): string {
  const seconds = Math.floor(date.getTime() / 1000);
  const offsetMinutes = -date.getTimezoneOffset();
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const zone = `${sign}${String(Math.floor(absolute / 60)).padStart(2, '0')}${String(absolute % 60).padStart(2, '0')}`;
  const clean = (value: string): string => value.replace(/[<>\n]/g, '').trim();
  return `${clean(person.name)} <${clean(person.email)}> ${seconds} ${zone}`;
}
