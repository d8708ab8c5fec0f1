import { describe, expect, it } from 'vitest';
import { jsonRequestBody } from './json-request-body.ts';

describe('jsonRequestBody', () => {
  it('encodes the JSON text as UTF-8 bytes, characters outside Latin-1 included', () => {
    const params = { model: 'm', messages: [{ role: 'user', content: 'tree ├── 名前 😀 "quoted"\n' }] };
    const { body, headers } = jsonRequestBody(params);
    expect(headers).toEqual({ 'content-type': 'application/json' });
    expect(body).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(body)).toBe(JSON.stringify(params));
    expect(JSON.parse(new TextDecoder().decode(body))).toEqual(params);
  });
});
