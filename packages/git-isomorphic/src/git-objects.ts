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

/**
 * Writes the trees of `files` bottom-up into `objectsDirectory` and returns the root tree id.
 * Trees whose id `known` already holds (the parent commit's trees) are not written again.
 */
export async function buildTree(
  objectsDirectory: string,
  files: ReadonlyMap<string, TreeFile>,
  known: ReadonlySet<string>,
): Promise<string> {
  interface Directory {
    entries: Array<{ name: string; mode: number; oid: string; isTree: boolean }>;
  }
  const directories = new Map<string, Directory>([['', { entries: [] }]]);
  const ensure = (directory: string): Directory => {
    let found = directories.get(directory);
    if (found === undefined) {
      found = { entries: [] };
      directories.set(directory, found);
      ensure(parentOf(directory));
    }
    return found;
  };
  for (const [filePath, file] of files) {
    const slash = filePath.lastIndexOf('/');
    const directory = slash < 0 ? '' : filePath.slice(0, slash);
    ensure(directory).entries.push({
      name: filePath.slice(slash + 1),
      mode: file.mode,
      oid: file.oid,
      isTree: false,
    });
  }
  // Deepest directories first, so every subtree id is known before its parent is hashed.
  const order = [...directories.keys()].sort((left, right) => depth(right) - depth(left));
  let rootOid = '';
  for (const directory of order) {
    const entries = directories.get(directory)!.entries;
    entries.sort((left, right) => compareTreeNames(left, right));
    const chunks: Buffer[] = [];
    for (const entry of entries) {
      chunks.push(Buffer.from(`${entry.isTree ? '40000' : entry.mode.toString(8)} ${entry.name}\0`));
      chunks.push(Buffer.from(entry.oid, 'hex'));
    }
    const body = Buffer.concat(chunks);
    const oid = hashObject('tree', body);
    if (!known.has(oid)) await writeLooseObject(objectsDirectory, 'tree', body);
    if (directory === '') rootOid = oid;
    else {
      const slash = directory.lastIndexOf('/');
      directories.get(parentOf(directory))!.entries.push({
        name: directory.slice(slash + 1),
        mode: 0o40000,
        oid,
        isTree: true,
      });
    }
  }
  return rootOid;
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

/** git orders tree entries by name bytes, comparing a directory as if its name ended with '/'. */
function compareTreeNames(
  left: { name: string; isTree: boolean },
  right: { name: string; isTree: boolean },
): number {
  const a = Buffer.from(left.isTree ? `${left.name}/` : left.name);
  const b = Buffer.from(right.isTree ? `${right.name}/` : right.name);
  return Buffer.compare(a, b);
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
