import * as fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';

/** One entry to write: path relative to the root, blob id, git mode. */
export type BlobFile = readonly [path: string, oid: string, mode: number];

/** Files written at once while git streams the next blobs. */
const writesInFlight = 32;

/** `root/relative`, refusing a path that would leave `root` (a tree never holds one; a bug might). */
function inside(root: string, relative: string): string {
  const target = path.join(root, relative);
  if (!target.startsWith(`${root}${path.sep}`))
    throw new Error(`refusing to write outside the checkout: ${relative}`);
  return target;
}

/**
 * Writes the blobs `git cat-file --batch` prints on `stdout` (asked for in the order of
 * `order`, which lists each distinct blob id of `files` once) to every path of `files` that
 * names them: regular files with `permissions(mode)`, symbolic links as links, submodules
 * skipped. Reads the stream as it is written to disk, so git waits (the pipe fills) instead of
 * the blobs piling up in memory: one blob and {@link writesInFlight} writes at a time.
 */
export async function writeBlobStream(options: {
  stdout: Readable;
  root: string;
  files: ReadonlyArray<BlobFile>;
  order: readonly string[];
  permissions: (mode: number) => number;
}): Promise<void> {
  const root = path.resolve(options.root);
  const byOid = new Map<string, Array<[string, number]>>();
  const directories = new Set<string>();
  for (const [file, oid, mode] of options.files) {
    if (mode === 0o160000) continue;
    const paths = byOid.get(oid);
    if (paths === undefined) byOid.set(oid, [[file, mode]]);
    else paths.push([file, mode]);
    const slash = file.lastIndexOf('/');
    if (slash > 0) directories.add(file.slice(0, slash));
  }
  const sorted = [...directories].sort();
  for (const [index, directory] of sorted.entries()) {
    // Only leaf directories need a call: `recursive` creates their parents.
    if (!sorted[index + 1]?.startsWith(`${directory}/`))
      fs.mkdirSync(inside(root, directory), { recursive: true });
  }

  const pending = new Set<Promise<void>>();
  let failure: unknown;
  const write = (blob: Buffer, [file, mode]: [string, number]): Promise<void> => {
    const target = inside(root, file);
    if (mode === 0o120000) return fs.promises.symlink(blob.toString('utf8'), target);
    const permissions = options.permissions(mode);
    // The umask may clear bits the mode asks for: set them explicitly.
    return fs.promises
      .writeFile(target, blob, { mode: permissions })
      .then(() => fs.promises.chmod(target, permissions));
  };
  const schedule = async (oid: string, blob: Buffer): Promise<void> => {
    for (const entry of byOid.get(oid) ?? []) {
      const promise = write(blob, entry).then(
        () => {
          pending.delete(promise);
        },
        (error: unknown) => {
          pending.delete(promise);
          failure ??= error;
        },
      );
      pending.add(promise);
      if (pending.size >= writesInFlight) await Promise.race(pending);
      if (failure !== undefined) throw failure;
    }
  };

  let next = 0;
  let header = Buffer.alloc(0);
  let body: Buffer | undefined;
  let filled = 0;
  let oid = '';
  // After a body, git prints one newline before the next header.
  let skipNewline = false;
  for await (const chunk of options.stdout as AsyncIterable<Buffer>) {
    let offset = 0;
    while (offset < chunk.length) {
      if (skipNewline) {
        offset++;
        skipNewline = false;
        continue;
      }
      if (body === undefined) {
        const newline = chunk.indexOf(10, offset);
        if (newline === -1) {
          header = Buffer.concat([header, chunk.subarray(offset)]);
          break;
        }
        const line = Buffer.concat([header, chunk.subarray(offset, newline)]).toString('utf8');
        header = Buffer.alloc(0);
        offset = newline + 1;
        const match = /^([0-9a-f]{40,64}) blob (\d+)$/.exec(line);
        if (match === null)
          throw new Error(
            `git cat-file: unexpected answer for ${options.order[next] ?? 'nothing'}: ${line.slice(0, 100)}`,
          );
        oid = match[1]!;
        if (oid !== options.order[next])
          throw new Error(`git cat-file answered ${oid} for ${options.order[next]}`);
        next++;
        body = Buffer.allocUnsafe(Number(match[2]));
        filled = 0;
      }
      const take = Math.min(body.length - filled, chunk.length - offset);
      chunk.copy(body, filled, offset, offset + take);
      filled += take;
      offset += take;
      if (filled === body.length) {
        const blob = body;
        body = undefined;
        skipNewline = true;
        await schedule(oid, blob);
      }
    }
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
  if (body !== undefined || next !== options.order.length) {
    throw new Error(`git cat-file ended after ${next} of ${options.order.length} blobs`);
  }
}
