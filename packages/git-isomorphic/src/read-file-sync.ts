import { closeSync, constants, fstatSync, openSync, readSync } from 'node:fs';

/**
 * Reads a small regular file in one synchronous open-stat-read-close, for the hot paths that
 * read every file of a working copy: through the thread pool each of those steps is a hop that
 * costs more than the call itself. The last path segment is not followed (`O_NOFOLLOW`), a FIFO
 * is not waited on (`O_NONBLOCK`), and `accept(descriptor)` may refuse the opened file. Returns
 * undefined, never throws, for anything else: a missing path, a link, a directory or special
 * file, a file larger than `maxBytes`, a refusal, any error. The caller then takes its careful path.
 */
export function readRegularFileSync(
  file: string,
  maxBytes: number,
  accept: (descriptor: number) => boolean = () => true,
): Buffer | undefined {
  let descriptor: number | undefined;
  try {
    descriptor = openSync(
      file,
      constants.O_RDONLY | (constants.O_NOFOLLOW ?? 0) | (constants.O_NONBLOCK ?? 0),
    );
    if (!accept(descriptor)) return undefined;
    const stats = fstatSync(descriptor);
    if (!stats.isFile() || stats.size > maxBytes) return undefined;
    const buffer = Buffer.allocUnsafe(stats.size);
    let filled = 0;
    while (filled < buffer.length) {
      const read = readSync(descriptor, buffer, filled, buffer.length - filled, filled);
      if (read === 0) break;
      filled += read;
    }
    return filled === buffer.length ? buffer : buffer.subarray(0, filled);
  } catch {
    return undefined;
  } finally {
    if (descriptor !== undefined) closeSync(descriptor);
  }
}
