/**
 * A request body as UTF-8 JSON bytes, with its content type, for an HTTP SDK that sends a byte
 * body verbatim (the OpenAI and Anthropic SDKs take it as the `body` request option, which
 * replaces the JSON text they would otherwise build and keep for the whole request).
 *
 * Why: a prompt with a large context is a string of hundreds of kilobytes, twice that when any
 * character is outside Latin-1. Held by many requests in flight at once, those strings fill the
 * JavaScript heap and make it grow; the bytes live outside it, at half the size. The text is
 * `JSON.stringify(params)`, exactly what the SDK would have sent.
 */
export function jsonRequestBody(params: object): {
  body: Uint8Array;
  headers: { 'content-type': 'application/json' };
} {
  return { body: encoder.encode(JSON.stringify(params)), headers: { 'content-type': 'application/json' } };
}

const encoder = new TextEncoder();
