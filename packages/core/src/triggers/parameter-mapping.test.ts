import { describe, expect, it } from 'vitest';
import { GoosukeError, InvalidInputError } from '../errors/index.ts';
import { mapParameters, parameterMappingSchema, parseJsonPath, readJsonPath } from './parameter-mapping.ts';

function pathError(path: string): InvalidInputError {
  try {
    parseJsonPath(path);
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    expect(GoosukeError.isInstance(error) && error.code).toBe('invalid_input');
    return error as InvalidInputError;
  }
  throw new Error(`expected path ${JSON.stringify(path)} to be refused`);
}

describe('parseJsonPath', () => {
  it('reads $ as the whole value', () => {
    expect(parseJsonPath('$')).toEqual([]);
  });

  it('reads .name steps, including $, _ and - in names', () => {
    expect(parseJsonPath('$.pull_request.title')).toEqual(['pull_request', 'title']);
    expect(parseJsonPath('$.$ref._id.x-hub')).toEqual(['$ref', '_id', 'x-hub']);
  });

  it('reads [index] steps as numbers', () => {
    expect(parseJsonPath('$[0]')).toEqual([0]);
    expect(parseJsonPath('$.commits[12].id')).toEqual(['commits', 12, 'id']);
    expect(parseJsonPath('$[0][1]')).toEqual([0, 1]);
  });

  it('reads [\'quoted\'] and ["quoted"] names, with escapes', () => {
    expect(parseJsonPath("$['x y']")).toEqual(['x y']);
    expect(parseJsonPath('$["x y"]')).toEqual(['x y']);
    expect(parseJsonPath('$["q\\"uote"]')).toEqual(['q"uote']);
    expect(parseJsonPath("$['it\\'s']")).toEqual(["it's"]);
    expect(parseJsonPath("$['back\\\\slash']")).toEqual(['back\\slash']);
    // A quoted digit string is a name, not an index.
    expect(parseJsonPath("$['0']")).toEqual(['0']);
    expect(parseJsonPath("$.commits[0]['author name']")).toEqual(['commits', 0, 'author name']);
    expect(parseJsonPath("$['']")).toEqual(['']);
  });

  it('refuses a path that does not start with $', () => {
    const error = pathError('issue.title');
    expect(error.message).toBe('invalid path "issue.title": a path starts with $ (e.g. $.issue.title)');
    expect(pathError('').message).toContain('starts with $');
  });

  it('refuses a bad step and says at which character', () => {
    expect(pathError('$.').message).toBe(
      'invalid path "$." at character 2: use .name, [index] or [\'name\'] steps',
    );
    expect(pathError('$.a..b').message).toContain('at character 4');
    expect(pathError('$x').message).toContain('at character 2');
    expect(pathError('$.a[x]').message).toContain('at character 4');
    expect(pathError('$.a[-1]').message).toContain('at character 4');
    expect(pathError("$.a['open").message).toContain('at character 4');
    expect(pathError('$.a.1b').message).toContain('at character 4');
    expect(pathError('$.a b').message).toContain('at character 4');
  });
});

describe('readJsonPath', () => {
  const data = {
    issue: { title: 'Crash', number: 7, labels: [{ name: 'bug' }, { name: 'ui' }], 'odd key': 'yes' },
    list: ['a', 'b'],
    nothing: null,
  };

  it('returns the whole value for $', () => {
    expect(readJsonPath(data, '$')).toBe(data);
    expect(readJsonPath(null, '$')).toBeNull();
    expect(readJsonPath('text', '$')).toBe('text');
  });

  it('follows names and indexes', () => {
    expect(readJsonPath(data, '$.issue.title')).toBe('Crash');
    expect(readJsonPath(data, '$.issue.labels[1].name')).toBe('ui');
    expect(readJsonPath(data, "$.issue['odd key']")).toBe('yes');
    expect(readJsonPath(data, '$.list[0]')).toBe('a');
    expect(readJsonPath(data, '$.nothing')).toBeNull();
  });

  it('returns undefined as soon as a step does not exist', () => {
    expect(readJsonPath(data, '$.missing')).toBeUndefined();
    expect(readJsonPath(data, '$.missing.deeper[0]')).toBeUndefined();
    expect(readJsonPath(data, '$.issue.labels[5].name')).toBeUndefined();
    expect(readJsonPath(data, '$.nothing.x')).toBeUndefined();
    expect(readJsonPath(data, '$.issue.title.length')).toBeUndefined();
    expect(readJsonPath(data, '$.issue.number[0]')).toBeUndefined();
    expect(readJsonPath(undefined, '$.a')).toBeUndefined();
  });

  it('takes indexes only on arrays and names only on objects', () => {
    expect(readJsonPath({ 0: 'zero' }, '$[0]')).toBeUndefined();
    expect(readJsonPath({ 0: 'zero' }, "$['0']")).toBe('zero');
    expect(readJsonPath(data, "$.list['0']")).toBeUndefined();
    expect(readJsonPath(data, '$.list.length')).toBeUndefined();
  });

  it('never reads inherited properties', () => {
    expect(readJsonPath({}, '$.constructor')).toBeUndefined();
    expect(readJsonPath({}, '$.__proto__')).toBeUndefined();
    expect(readJsonPath({}, "$['__proto__']")).toBeUndefined();
    expect(readJsonPath({}, '$.toString')).toBeUndefined();
    expect(readJsonPath({}, '$.hasOwnProperty')).toBeUndefined();
    expect(readJsonPath(data, '$.issue.constructor.name')).toBeUndefined();
    expect(readJsonPath(data, '$.list.constructor')).toBeUndefined();
    expect(readJsonPath(Object.create({ inherited: 1 }), '$.inherited')).toBeUndefined();
  });

  it('does read a JSON body whose own key is __proto__', () => {
    // JSON.parse makes "__proto__" an own property, which the body really has.
    const body = JSON.parse('{"__proto__": {"x": 1}, "constructor": "c"}') as unknown;
    expect(readJsonPath(body, '$.__proto__.x')).toBe(1);
    expect(readJsonPath(body, '$.constructor')).toBe('c');
  });

  it('refuses a malformed path even when data is missing', () => {
    expect(() => readJsonPath(undefined, 'issue')).toThrow(InvalidInputError);
  });
});

describe('mapParameters', () => {
  const body = {
    issue: {
      title: 'Crash on save',
      number: 42,
      open: true,
      draft: false,
      comments: 0,
      body: '',
      labels: ['bug', 'ui'],
      user: { login: 'octo', id: 1 },
      closed_at: null,
    },
  };

  it('keeps strings, numbers and booleans as they are, falsy ones included', () => {
    expect(
      mapParameters(
        {
          title: '$.issue.title',
          number: '$.issue.number',
          open: '$.issue.open',
          draft: '$.issue.draft',
          comments: '$.issue.comments',
          body: '$.issue.body',
        },
        body,
      ),
    ).toEqual({ title: 'Crash on save', number: 42, open: true, draft: false, comments: 0, body: '' });
  });

  it('turns objects and arrays into indented JSON text', () => {
    const values = mapParameters({ labels: '$.issue.labels', user: '$.issue.user' }, body);
    expect(values).toEqual({
      labels: '[\n  "bug",\n  "ui"\n]',
      user: '{\n  "login": "octo",\n  "id": 1\n}',
    });
    expect(mapParameters({ all: '$' }, { a: [1] })).toEqual({ all: '{\n  "a": [\n    1\n  ]\n}' });
  });

  it('leaves out null and missing values', () => {
    const values = mapParameters(
      { title: '$.issue.title', closed: '$.issue.closed_at', gone: '$.issue.milestone.title' },
      body,
    );
    expect(values).toEqual({ title: 'Crash on save' });
    expect(Object.keys(values)).toEqual(['title']);
    expect(mapParameters({ x: '$.a' }, undefined)).toEqual({});
  });

  it('maps nothing for an empty mapping', () => {
    expect(mapParameters({}, body)).toEqual({});
  });
});

describe('parameterMappingSchema', () => {
  it('accepts parameter names mapped to valid paths', () => {
    const mapping = { title: '$.issue.title', _n2: "$.commits[0]['author name']", whole: '$' };
    expect(parameterMappingSchema.parse(mapping)).toEqual(mapping);
  });

  it('refuses names that are not parameter names', () => {
    for (const name of ['1st', 'has-dash', 'with space', '']) {
      const result = parameterMappingSchema.safeParse({ [name]: '$.a' });
      expect(result.success, name).toBe(false);
      expect(JSON.stringify(result.error?.issues)).toContain('a parameter name');
    }
  });

  it("refuses bad paths with parseJsonPath's message, at the name", () => {
    const result = parameterMappingSchema.safeParse({ good: '$.a', title: 'issue.title', other: '$.a..b' });
    expect(result.success).toBe(false);
    const issues = result.error!.issues;
    expect(issues.map((issue) => issue.path)).toEqual([['title'], ['other']]);
    expect(issues[0]?.message).toContain('a path starts with $');
    expect(issues[1]?.message).toContain('at character 4');
  });

  it('refuses a path longer than 500 characters and a non-string path', () => {
    const longest = `$${'.a'.repeat(249)}b`;
    expect(longest).toHaveLength(500);
    expect(parameterMappingSchema.safeParse({ long: longest }).success).toBe(true);
    expect(parameterMappingSchema.safeParse({ long: `${longest}c` }).success).toBe(false);
    expect(parameterMappingSchema.safeParse({ n: 1 }).success).toBe(false);
  });
});
