import * as fs from 'node:fs';
import type { Workspace } from '@goosuke/core';
import { type BackendContext, blobTextMaxLength, type WorkingCopy } from './backend-context.ts';
import { createDirectoryWorkspace } from './directory-workspace.ts';
import { entryMatchesFields, type IndexSnapshot, statFields } from './git-index-file.ts';
import { hashObject } from './git-objects.ts';
import { readRegularFileSync } from './read-file-sync.ts';
import { childPath, listWorkingCopyFiles } from './working-copy-scan.ts';
import { indexOf } from './working-copy-state.ts';

/**
 * The Workspace of a working copy: the directory Workspace on its root (atomic writes, no
 * escape, no `.git` path), whose reads of unchanged tracked files come from the backend's
 * shared blob texts, and whose `listFiles` lists tracked and untracked files minus ignored ones.
 */
export function workspaceFor(context: BackendContext, copy: WorkingCopy): Workspace {
  const directory = createDirectoryWorkspace({ root: copy.root });
  let index: Promise<IndexSnapshot> | undefined;
  /**
   * The text of `file` when it is a tracked file unchanged since its index entry was written
   * (the stat data git trusts: size, mtime, inode and device match, not racy): then its content
   * is the entry's blob, whose text other working copies may already have read. Copies of one
   * commit (the runs of one message) so read each file from disk once. A text is only cached
   * after its bytes hash to the blob id, so whatever the path resolved to, the text returned is
   * the repository's own. Undefined when unsure: the directory Workspace then reads as usual.
   */
  const readUnchanged = async (file: string): Promise<string | undefined> => {
    // An unreadable index only means no shortcut: every read then goes to the directory.
    index ??= indexOf(context, copy).catch(() => ({ entries: new Map(), writtenAtNanoseconds: 0n }));
    const snapshot = await index;
    const entry = snapshot.entries.get(file);
    if (entry === undefined || (entry.mode !== 0o100644 && entry.mode !== 0o100755)) return undefined;
    const absolute = childPath(copy.root, file);
    let stats: fs.BigIntStats;
    try {
      stats = fs.lstatSync(absolute, { bigint: true });
    } catch {
      return undefined;
    }
    const fields = statFields(stats);
    if (
      !stats.isFile() ||
      fields.dev !== entry.dev ||
      !entryMatchesFields(entry, fields, stats.mtimeNs, snapshot.writtenAtNanoseconds)
    ) {
      return undefined;
    }
    const held = context.blobTexts.get(entry.oid);
    if (held !== undefined) return held;
    const bytes = readRegularFileSync(absolute, blobTextMaxLength);
    if (bytes === undefined || hashObject('blob', bytes) !== entry.oid) return undefined;
    const text = bytes.toString('utf8');
    context.blobTexts.set(entry.oid, text);
    return text;
  };
  return {
    root: directory.root,
    async readFile(file) {
      return (await readUnchanged(file)) ?? directory.readFile(file);
    },
    writeFiles: (changes) => directory.writeFiles(changes),
    async listFiles() {
      const index = await indexOf(context, copy);
      return listWorkingCopyFiles(copy.root, copy.gitdir, new Set(index.entries.keys()));
    },
  };
}
