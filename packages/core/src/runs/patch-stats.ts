import type { FileChangeSummary } from '../domain/index.ts';

/** Reads a path as git prints it: plain, or C-quoted (`"a/t\303\251st.txt"`) when it has special bytes. */
function unquote(text: string): string {
  if (!text.startsWith('"')) return text;
  const bytes: number[] = [];
  const encoder = new TextEncoder();
  const escapes: Record<string, number> = { n: 10, t: 9, r: 13, '"': 34, '\\': 92, a: 7, b: 8, f: 12, v: 11 };
  for (let index = 1; index < text.length - 1; index++) {
    const char = text[index]!;
    if (char !== '\\') {
      bytes.push(...encoder.encode(char));
      continue;
    }
    const next = text[index + 1]!;
    const octal = /^[0-7]{3}/.exec(text.slice(index + 1, index + 4));
    if (octal !== null) {
      bytes.push(Number.parseInt(octal[0], 8));
      index += 3;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      index += 1;
    }
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function stripPrefix(path: string): string {
  return path.replace(/^[ab]\//, '');
}

/** The two paths of a `diff --git a/x b/y` line (used only when no ---/+++ or rename lines say better). */
function pathsOfHeader(line: string): { oldPath: string; newPath: string } {
  const rest = line.slice('diff --git '.length);
  if (rest.startsWith('"')) {
    const end = rest.indexOf('" ', 1);
    return {
      oldPath: stripPrefix(unquote(rest.slice(0, end + 1))),
      newPath: stripPrefix(unquote(rest.slice(end + 2))),
    };
  }
  // Unquoted: both halves are the same length when the path did not change.
  const half = (rest.length - 1) / 2;
  if (Number.isInteger(half) && rest[half] === ' ' && rest.slice(2, half) === rest.slice(half + 3)) {
    const path = rest.slice(2, half);
    return { oldPath: path, newPath: path };
  }
  const split = rest.indexOf(' b/');
  return {
    oldPath: stripPrefix(rest.slice(0, split)),
    newPath: stripPrefix(unquote(rest.slice(split + 1))),
  };
}

/**
 * Per-file statistics of a git-style unified diff (as GitBackend.diff makes it): the path, the
 * previous path of a rename, whether the file was added, modified, deleted or renamed, and the
 * lines added and removed (0 and 0 for a binary file). Files appear in the patch's order.
 */
export function summarizePatch(patch: string): FileChangeSummary[] {
  const files: FileChangeSummary[] = [];
  let current: (FileChangeSummary & { inHunk: boolean }) | null = null;
  const finish = (): void => {
    if (current === null) return;
    const { inHunk: _, ...file } = current;
    files.push(file);
    current = null;
  };
  for (const line of patch.split('\n')) {
    if (line.startsWith('diff --git ')) {
      finish();
      const { oldPath, newPath } = pathsOfHeader(line);
      current = {
        path: newPath,
        oldPath: oldPath === newPath ? null : oldPath,
        status: 'modified',
        added: 0,
        removed: 0,
        inHunk: false,
      };
      continue;
    }
    if (current === null) continue;
    const file: FileChangeSummary & { inHunk: boolean } = current;
    if (file.inHunk) {
      if (line.startsWith('+')) file.added++;
      else if (line.startsWith('-')) file.removed++;
      else if (!line.startsWith(' ') && !line.startsWith('\\') && !line.startsWith('@@')) file.inHunk = false;
      continue;
    }
    if (line.startsWith('@@')) file.inHunk = true;
    else if (line.startsWith('new file mode')) file.status = 'added';
    else if (line.startsWith('deleted file mode')) file.status = 'deleted';
    else if (line.startsWith('rename from ')) {
      file.status = 'renamed';
      file.oldPath = unquote(line.slice('rename from '.length));
    } else if (line.startsWith('rename to ')) file.path = unquote(line.slice('rename to '.length));
    else if (line.startsWith('+++ ') && !line.startsWith('+++ /dev/null'))
      file.path = stripPrefix(unquote(line.slice(4)));
    else if (line.startsWith('--- ') && line !== '--- /dev/null' && file.status === 'deleted')
      file.path = stripPrefix(unquote(line.slice(4)));
  }
  finish();
  for (const file of files) if (file.status !== 'renamed') file.oldPath = null;
  return files;
}

/** Lines added and removed over all of a run's changed files. */
export function lineTotals(files: readonly FileChangeSummary[]): { added: number; removed: number } {
  let added = 0;
  let removed = 0;
  for (const file of files) {
    added += file.added;
    removed += file.removed;
  }
  return { added, removed };
}
