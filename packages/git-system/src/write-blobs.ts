import { once } from 'node:events';
import * as fs from 'node:fs';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { finished } from 'node:stream/promises';

/** One entry to write: path relative to the root, blob id, git mode. */
export type BlobFile = readonly [path: string, oid: string, mode: number];

/** Files written at once while git streams the next blobs. */
const writesInFlight = 32;
/** Bytes of blobs held by the writes in flight: past this, reading waits for them. */
const bytesInFlight = 32 * 1024 * 1024;
/**
 * Blobs larger than this are written to their file as git prints them, never held whole: a
 * repository that commits executables (a 127 MB `node`, a 100 MB `biome`) otherwise had several
 * such buffers in memory at once, hundreds of MB of a cold run's peak.
 */
const streamedBlobBytes = 4 * 1024 * 1024;

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
 * the blobs piling up in memory: at most {@link writesInFlight} writes and {@link bytesInFlight}
 * bytes at a time, a blob over {@link streamedBlobBytes} written as it arrives.
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
  let pendingBytes = 0;
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
  const track = async (promise: Promise<void>, bytes: number): Promise<void> => {
    pendingBytes += bytes;
    const tracked = promise.then(
      () => {
        pending.delete(tracked);
        pendingBytes -= bytes;
      },
      (error: unknown) => {
        pending.delete(tracked);
        pendingBytes -= bytes;
        failure ??= error;
      },
    );
    pending.add(tracked);
    while (pending.size >= writesInFlight || (pendingBytes > bytesInFlight && pending.size > 0))
      await Promise.race(pending);
    if (failure !== undefined) throw failure;
  };
  const schedule = async (oid: string, blob: Buffer): Promise<void> => {
    for (const entry of byOid.get(oid) ?? []) await track(write(blob, entry), blob.length);
  };

  /** A large blob written as it arrives: to its first path; the others get copies at its end. */
  interface Streamed {
    stream: Writable;
    target: string;
    permissions: number;
    oid: string;
  }
  const openStreamed = (oid: string): Streamed | null => {
    const [file, mode] = byOid.get(oid)?.find(([, each]) => each !== 0o120000) ?? [];
    // A symbolic link's blob (its target) is never this large; nothing to write: held as usual.
    if (file === undefined || mode === undefined) return null;
    const target = inside(root, file);
    const permissions = options.permissions(mode);
    const stream = fs.createWriteStream(target, { mode: permissions });
    // Seen at the next chunk or at the end (never an unhandled 'error' event).
    stream.on('error', (error: unknown) => {
      failure ??= error;
    });
    return { stream, target, permissions, oid };
  };
  const finishStreamed = async ({ stream, target, permissions, oid }: Streamed): Promise<void> => {
    stream.end();
    await finished(stream);
    await fs.promises.chmod(target, permissions);
    for (const [file, mode] of byOid.get(oid) ?? []) {
      const other = inside(root, file);
      if (other === target) continue;
      const otherPermissions = options.permissions(mode);
      await fs.promises.copyFile(target, other);
      await fs.promises.chmod(other, otherPermissions);
    }
  };

  let next = 0;
  let header = Buffer.alloc(0);
  let body: Buffer | undefined;
  /** Stands for the body of a streamed blob, which is never held. */
  const streamedBody = Buffer.alloc(0);
  let streamed: Streamed | null = null;
  let size = 0;
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
        size = Number(match[2]);
        filled = 0;
        streamed = size > streamedBlobBytes ? openStreamed(oid) : null;
        body = streamed === null ? Buffer.allocUnsafe(size) : streamedBody;
      }
      const take = Math.min(size - filled, chunk.length - offset);
      if (failure !== undefined) throw failure;
      if (streamed === null) chunk.copy(body, filled, offset, offset + take);
      else if (take > 0 && !streamed.stream.write(chunk.subarray(offset, offset + take))) {
        // The disk is slower than git: git waits (its pipe fills) rather than this process buffering.
        await once(streamed.stream, 'drain');
      }
      filled += take;
      offset += take;
      if (filled === size) {
        const blob = body;
        body = undefined;
        skipNewline = true;
        if (streamed !== null) await finishStreamed(streamed);
        else await schedule(oid, blob);
        streamed = null;
      }
    }
  }
  await Promise.all(pending);
  if (failure !== undefined) throw failure;
  if (body !== undefined || next !== options.order.length) {
    throw new Error(`git cat-file ended after ${next} of ${options.order.length} blobs`);
  }
}
