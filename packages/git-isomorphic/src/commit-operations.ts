import * as fs from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type CommitFiles, InvalidInputError, NotFoundError } from '@goosuke/core';
import git from 'isomorphic-git';
import {
  type BackendContext,
  blobTextMaxLength,
  cacheFor,
  flatTreeOf,
  hexId,
  type OptionsOf,
} from './backend-context.ts';
import { translateGitError } from './git-errors.ts';
import { type IndexEntry, sortPathsByBytes } from './git-index-file.ts';
import { patchIndex } from './git-index-patch.ts';
import {
  buildTree,
  type FlatTree,
  formatSignature,
  hashObject,
  type TreeFile,
  writeLooseObject,
} from './git-objects.ts';
import { resolveIn } from './git-refs.ts';
import { readRegularFileSync } from './read-file-sync.ts';
import { type FileChangeRecord, formatFileDiff, isBinaryContent } from './unified-diff.ts';
import {
  compare,
  contentOf,
  type FileState,
  forEachFile,
  pathsThatMayDiffer,
  stateOf,
} from './working-copy-comparison.ts';
import { childPath, forEachLimited } from './working-copy-scan.ts';
import { copyBranch, heldIndexBytes, requireCopy, storeIndex } from './working-copy-state.ts';

// Reading commits and making them: `openCommit` (a commit's files without a working copy),
// `diff` (a working copy against a base commit) and `commit` (a working copy on its branch).

/** GitBackend.openCommit. */
export async function openCommit(
  context: BackendContext,
  { repo, commit }: OptionsOf<'openCommit'>,
): Promise<CommitFiles> {
  const cloneGitdir = path.join(path.resolve(repo.dir), '.git');
  const readSizes = context.options.transport?.readSizes?.bind(context.options.transport);
  /** The blob sizes of `resolved`, read once (a few commits are kept). */
  const sizesOf = (resolved: string): Promise<Map<string, number>> => {
    let sizes = context.commitSizes.get(resolved);
    if (sizes === undefined) {
      sizes = readSizes!({ gitdir: cloneGitdir, commit: resolved });
      if (context.commitSizes.size >= 8) context.commitSizes.delete(context.commitSizes.keys().next().value!);
      context.commitSizes.set(resolved, sizes);
      sizes.catch(() => context.commitSizes.delete(resolved));
    }
    return sizes;
  };
  const read = async () => {
    try {
      const resolved = await resolveIn(context, cloneGitdir, commit);
      // Listed alongside the tree (another git process): a run asks for them right after.
      if (readSizes !== undefined) void sizesOf(resolved).catch(() => undefined);
      return { revision: resolved, flat: await flatTreeOf(context, cloneGitdir, resolved) };
    } catch (error) {
      throw translateGitError(error, { operation: `reading the commit ${commit}` });
    }
  };
  // A commit id names immutable objects: reading them needs no turn in the clone's queue
  // (where a working copy being made may hold it for a while). A ref name is read in turn.
  const { revision, flat } = hexId.test(commit) ? await read() : await context.mutex.run(cloneGitdir, read);
  const regularFiles = (): string[] => {
    let files = context.regularFiles.get(flat);
    if (files === undefined) {
      files = [];
      for (const [file, entry] of flat.files) {
        if (entry.mode === 0o100644 || entry.mode === 0o100755) files.push(file);
      }
      files.sort((left, right) => (left < right ? -1 : left > right ? 1 : 0));
      context.regularFiles.set(flat, files);
    }
    return files;
  };
  // Sizes only where the transport reads them from object headers: reading every blob here to
  // count its bytes would cost what listing sizes is meant to save.
  const sizes: Pick<CommitFiles, 'listSizes'> =
    readSizes === undefined
      ? {}
      : {
          async listSizes(options) {
            const bytes = await sizesOf(revision);
            options?.signal?.throwIfAborted();
            return regularFiles().map((file) => ({ path: file, bytes: bytes.get(file) ?? 0 }));
          },
        };
  const view: CommitFiles = {
    ...sizes,
    revision,
    async listFiles() {
      return [...regularFiles()];
    },
    async readFile(file) {
      const entry = flat.files.get(file);
      if (entry === undefined || (entry.mode !== 0o100644 && entry.mode !== 0o100755)) return null;
      try {
        return await commitText(context, cloneGitdir, flat, entry, file);
      } catch (error) {
        throw translateGitError(error, { operation: `reading ${file} at ${revision}` });
      }
    },
  };
  return view;
}

/**
 * The text of a regular file of `flat`: from the shared blob-text cache, else from the tree's
 * read-only snapshot (hard-linked mode, checked against the blob id), else from the object store.
 */
async function commitText(
  context: BackendContext,
  cloneGitdir: string,
  flat: FlatTree,
  entry: TreeFile,
  file: string,
): Promise<string> {
  const held = context.blobTexts.get(entry.oid);
  if (held !== undefined) return held;
  const blob =
    snapshotBlob(context, cloneGitdir, flat, file, entry.oid, blobTextMaxLength) ??
    (await readBlobBytes(context, cloneGitdir, entry.oid));
  const text = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength).toString('utf8');
  context.blobTexts.set(entry.oid, text);
  return text;
}

/**
 * The bytes of `file` of `flat` from the tree's read-only snapshot (hard-linked mode), when it
 * is there, at most `maxBytes` long, and hashes to `oid`: no git process, no object inflated.
 */
function snapshotBlob(
  context: BackendContext,
  cloneGitdir: string,
  flat: FlatTree,
  file: string,
  oid: string,
  maxBytes: number,
): Buffer | undefined {
  if (context.options.checkout !== 'hardlink') return undefined;
  const copy = childPath(path.join(cloneGitdir, 'goosuke', 'snapshots', flat.trees.get('')!), file);
  const bytes = readRegularFileSync(copy, maxBytes);
  return bytes !== undefined && hashObject('blob', bytes) === oid ? bytes : undefined;
}

/** Largest base file a diff reads from the snapshot instead of the object store. */
const snapshotDiffBytes = 4 * 1024 * 1024;

/**
 * The bytes of blob `oid` of the clone: through the transport's object reader when it has
 * one (the system git reads the object at its offset; no pack is loaded here), else with
 * isomorphic-git. NotFoundError when the clone lacks it.
 */
async function readBlobBytes(context: BackendContext, gitdir: string, oid: string): Promise<Uint8Array> {
  const transport = context.options.transport;
  if (transport?.readObject !== undefined) {
    const object = await transport.readObject({ gitdir, oid });
    if (object === null || object.type !== 'blob') throw new NotFoundError('git blob', oid);
    return object.body;
  }
  const { blob } = await git.readBlob({ fs, gitdir, oid, cache: cacheFor(context, gitdir) });
  return blob;
}

/** GitBackend.diff. */
export async function diff(
  context: BackendContext,
  { workspace, base, paths }: OptionsOf<'diff'>,
): Promise<string> {
  const copy = await requireCopy(context, workspace);
  return context.mutex.run(copy.cloneGitdir, async () => {
    try {
      const baseCommit = await resolveIn(context, copy.cloneGitdir, base);
      const tree = await flatTreeOf(context, copy.cloneGitdir, baseCommit);
      const comparison = await compare(context, copy, tree, paths);
      const added: string[] = [];
      const deleted: string[] = [];
      const modified: string[] = [];
      const visitBase = (file: string, entry: TreeFile): void => {
        if (entry.mode === 0o160000) return;
        const now = stateOf(comparison, file);
        if (now === undefined) deleted.push(file);
        else if (now.oid !== entry.oid || now.mode !== entry.mode) modified.push(file);
      };
      if (paths === undefined) {
        tree.files.forEach((entry, file) => {
          visitBase(file, entry);
        });
        forEachFile(comparison, (file) => {
          if (!tree.files.has(file)) added.push(file);
        });
      } else {
        // Told paths: a file neither told nor where the index already differed from the base is
        // its index entry, as the base has it. Only those few are looked at, not every file of
        // the repository (three runs of a 50k-file repository diff one after the other).
        for (const file of pathsThatMayDiffer(comparison, tree)) {
          const entry = tree.files.get(file);
          if (entry !== undefined) visitBase(file, entry);
          else if (stateOf(comparison, file) !== undefined) added.push(file);
        }
      }
      // A rename pairs a deleted and an added file of the same blob, in path order either way.
      sortPathsByBytes(deleted);
      sortPathsByBytes(added);
      const emptyBlob = 'e69de29bb2d1d6434b8b29ae775ad8c2e48c5391';
      const deletedByOid = new Map<string, string[]>();
      for (const file of deleted) {
        const oid = tree.files.get(file)!.oid;
        if (oid === emptyBlob) continue;
        deletedByOid.set(oid, [...(deletedByOid.get(oid) ?? []), file]);
      }
      const renames = new Map<string, string>();
      for (const file of added) {
        const candidates = deletedByOid.get(stateOf(comparison, file)!.oid);
        const from = candidates?.shift();
        if (from !== undefined) renames.set(file, from);
      }
      const renamedFrom = new Set(renames.values());
      const baseSide = async (file: string) => {
        const entry = tree.files.get(file)!;
        // Usually in the base's snapshot, which the copy was linked from.
        const blob =
          snapshotBlob(context, copy.cloneGitdir, tree, file, entry.oid, snapshotDiffBytes) ??
          (await readBlobBytes(context, copy.cloneGitdir, entry.oid));
        return { path: file, oid: entry.oid, mode: entry.mode, content: blob };
      };
      const copySide = async (file: string) => {
        const scan = stateOf(comparison, file)!;
        const content =
          contentOf(scan) ??
          (scan.mode === 0o120000
            ? Buffer.from(await fs.promises.readlink(path.join(copy.root, file)), 'utf8')
            : await readFile(path.join(copy.root, file)));
        if (isBinaryContent(content)) {
          await writeLooseObject(path.join(copy.cloneGitdir, 'objects'), 'blob', content);
        }
        return { path: file, oid: scan.oid, mode: scan.mode, content };
      };
      const records: Array<{ sortKey: string; record: Promise<FileChangeRecord> }> = [];
      for (const file of modified) {
        records.push({
          sortKey: file,
          record: (async () => ({
            kind: 'modify',
            before: await baseSide(file),
            after: await copySide(file),
          }))(),
        });
      }
      for (const file of deleted) {
        if (renamedFrom.has(file)) continue;
        records.push({
          sortKey: file,
          record: (async () => ({ kind: 'delete', before: await baseSide(file) }))(),
        });
      }
      for (const file of added) {
        const from = renames.get(file);
        records.push({
          sortKey: file,
          record: (async () =>
            from === undefined
              ? { kind: 'add', after: await copySide(file) }
              : { kind: 'rename', before: await baseSide(from), after: await copySide(file) })(),
        });
      }
      records.sort((left, right) =>
        left.sortKey < right.sortKey ? -1 : left.sortKey > right.sortKey ? 1 : 0,
      );
      const resolved = await Promise.all(records.map((entry) => entry.record));
      return resolved.map((record) => formatFileDiff(record)).join('');
    } catch (error) {
      throw translateGitError(error, { operation: `diffing ${copy.root}` });
    }
  });
}

/** GitBackend.commit. */
export async function commit(
  context: BackendContext,
  { workspace, message, author, paths }: OptionsOf<'commit'>,
): Promise<string> {
  const copy = await requireCopy(context, workspace);
  if (typeof message !== 'string' || message.trim().length === 0) {
    throw new InvalidInputError('a commit message must not be empty');
  }
  return context.mutex.run(copy.cloneGitdir, async () => {
    try {
      const branch = await copyBranch(copy);
      const parent = await git.resolveRef({ fs, gitdir: copy.cloneGitdir, ref: `refs/heads/${branch}` });
      const tree = await flatTreeOf(context, copy.cloneGitdir, parent);
      // The flat tree knows its root's id: the parent commit itself need not be read again.
      const parentTreeOid = tree.trees.get('')!;
      const comparison = await compare(context, copy, tree, paths);
      // The new index: the old one's entries, shared, with the changes applied.
      const index = new Map<string, IndexEntry>(comparison.index);
      const entryChanges = new Map<string, IndexEntry | null>();
      comparison.changes.forEach((scan, file) => {
        const entry = scan === null ? null : { path: file, oid: scan.oid, mode: scan.mode, ...scan.stats };
        entryChanges.set(file, entry);
        if (entry === null) index.delete(file);
        else index.set(file, entry);
      });
      // Its bytes from the old file's, when the old entries are what that file holds.
      const storeNewIndex = async (): Promise<void> => {
        const old = await heldIndexBytes(context, copy, comparison.index);
        const bytes = old === null ? null : patchIndex(old, entryChanges);
        await storeIndex(context, copy, index, bytes ?? undefined);
      };
      const objects = path.join(copy.cloneGitdir, 'objects');
      // Submodule entries are not in the index: they keep the parent's commit.
      let files: Map<string, TreeFile> = index;
      tree.files.forEach((entry, file) => {
        if (entry.mode !== 0o160000 || index.has(file)) return;
        if (files === index) files = new Map(index);
        files.set(file, entry);
      });
      // Where the new files may differ from the parent's: the changes, and where the old index
      // already did (usually nowhere). Every other path is the parent's, not looked at again.
      const differing = pathsThatMayDiffer(comparison, tree);
      // Only files whose blob the parent lacks are read and written; the rest keep their entry.
      const changed: Array<[string, FileState]> = [];
      for (const file of differing) {
        const state = stateOf(comparison, file);
        if (state !== undefined && tree.files.get(file)?.oid !== state.oid) changed.push([file, state]);
      }
      await forEachLimited(changed, context.fileConcurrency, async ([file, scan]) => {
        const content =
          contentOf(scan) ??
          (scan.mode === 0o120000
            ? Buffer.from(await fs.promises.readlink(path.join(copy.root, file)), 'utf8')
            : await readFile(path.join(copy.root, file)));
        await writeLooseObject(objects, 'blob', content);
      });
      const treeOid = await buildTree(objects, files, tree, differing);
      if (treeOid === parentTreeOid) {
        await storeNewIndex();
        return parent;
      }
      const committer = context.options.committer ?? author;
      const date = context.now();
      const text = message.endsWith('\n') ? message : `${message}\n`;
      const body = Buffer.from(
        `tree ${treeOid}\nparent ${parent}\nauthor ${formatSignature(author, date)}\ncommitter ${formatSignature(committer, date)}\n\n${text}`,
        'utf8',
      );
      const commitOid = await writeLooseObject(objects, 'commit', body);
      await git.writeRef({
        fs,
        gitdir: copy.cloneGitdir,
        ref: `refs/heads/${branch}`,
        value: commitOid,
        force: true,
      });
      await storeNewIndex();
      return commitOid;
    } catch (error) {
      throw translateGitError(error, { operation: `committing in ${copy.root}` });
    }
  });
}
