/** Something text can be written to: `process.stdout`, a socket, or a test's collector. */
export interface TextSink {
  write(text: string): unknown;
}

/**
 * Everything a command touches outside its arguments, so tests run `main` in-process.
 * Defaults (see {@link resolveCliIo}) are the process's own streams, cwd and environment.
 */
export interface CliIo {
  /** The command's output: reports, help, JSON documents. */
  stdout: TextSink;
  /** One-line errors and summaries meant for a person. */
  stderr: TextSink;
  /** Read fully when a command is given `-` as its FILE. */
  stdin: AsyncIterable<string | Uint8Array>;
  /** The directory relative paths on the command line resolve against. */
  cwd: string;
  /** Environment variables, e.g. `GOOSUKE_DEBUG`. */
  env: Readonly<Record<string, string | undefined>>;
}

/** Fills the parts of `io` that are not given with the process's own streams, cwd and environment. */
export function resolveCliIo(io: Partial<CliIo> = {}): CliIo {
  return {
    stdout: io.stdout ?? process.stdout,
    stderr: io.stderr ?? process.stderr,
    stdin: io.stdin ?? process.stdin,
    cwd: io.cwd ?? process.cwd(),
    env: io.env ?? process.env,
  };
}

/** Reads a stream to its end as UTF-8 text. */
export async function readAllText(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
  }
  return text + decoder.decode();
}

/**
 * Reads a stream up to its first line break (or its end) as UTF-8 text, without the line break,
 * and stops reading there, so an interactive stdin needs only Enter.
 */
export async function readFirstLine(stream: AsyncIterable<string | Uint8Array>): Promise<string> {
  const decoder = new TextDecoder('utf-8');
  let text = '';
  for await (const chunk of stream) {
    text += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    const end = text.indexOf('\n');
    if (end !== -1) return text.slice(0, end).replace(/\r$/, '');
  }
  return (text + decoder.decode()).replace(/\r?\n?$/, '');
}
