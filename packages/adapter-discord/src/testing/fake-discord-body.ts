/** A file part of a multipart body. */
export interface ParsedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  text: string;
}

/** A request body as the fake sees it: JSON (or payload_json plus text fields) and files. */
export interface ParsedBody {
  body: unknown;
  files: ParsedFile[];
  /** Set when the body could not be parsed, so the fake can answer 400 like Discord. */
  error?: string;
}

/**
 * Parses a JSON or multipart/form-data body. Multipart is what discord.js sends when files are
 * attached: a `payload_json` field holding the JSON body, and `files[n]` parts.
 */
export function parseBody(raw: Buffer, contentType: string | undefined): ParsedBody {
  if (raw.length === 0) return { body: undefined, files: [] };
  const type = contentType ?? '';
  if (type.startsWith('multipart/form-data')) return parseMultipart(raw, type);
  try {
    return { body: JSON.parse(raw.toString('utf8')), files: [] };
  } catch {
    return { body: raw.toString('utf8'), files: [], error: 'invalid JSON' };
  }
}

function parseMultipart(raw: Buffer, contentType: string): ParsedBody {
  const boundaryMatch = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(contentType);
  const boundary = boundaryMatch?.[1] ?? boundaryMatch?.[2];
  if (!boundary) return { body: undefined, files: [], error: 'multipart without boundary' };
  const delimiter = Buffer.from(`--${boundary}`);
  const fields: Record<string, unknown> = {};
  const files: ParsedFile[] = [];
  let payload: unknown;
  let start = raw.indexOf(delimiter);
  while (start !== -1) {
    const partStart = start + delimiter.length;
    // "--" right after a delimiter closes the body.
    if (raw.subarray(partStart, partStart + 2).toString() === '--') break;
    const next = raw.indexOf(delimiter, partStart);
    if (next === -1) break;
    // Each part sits between the CRLF after the delimiter and the CRLF before the next one.
    const part = raw.subarray(partStart + 2, next - 2);
    const headerEnd = part.indexOf('\r\n\r\n');
    if (headerEnd !== -1) {
      const headers = part.subarray(0, headerEnd).toString('utf8');
      const content = part.subarray(headerEnd + 4);
      const name = /name="([^"]*)"/i.exec(headers)?.[1] ?? '';
      const filename = /filename="([^"]*)"/i.exec(headers)?.[1];
      const partType = /content-type:\s*([^\r\n]+)/i.exec(headers)?.[1]?.trim();
      if (filename !== undefined) {
        files.push({
          field: name,
          filename,
          contentType: partType ?? 'application/octet-stream',
          size: content.length,
          text: content.toString('utf8'),
        });
      } else if (name === 'payload_json') {
        try {
          payload = JSON.parse(content.toString('utf8'));
        } catch {
          return { body: undefined, files, error: 'invalid payload_json' };
        }
      } else {
        fields[name] = content.toString('utf8');
      }
    }
    start = next;
  }
  const body =
    payload && typeof payload === 'object' ? { ...fields, ...(payload as Record<string, unknown>) } : fields;
  return { body, files };
}
