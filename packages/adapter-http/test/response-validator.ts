// Checks every response the HTTP tests receive against the OpenAPI document the server serves:
// the status must be one the operation documents (5xx may fall to `default`), the content type
// one of the documented ones, the headers it marks required present, and a JSON body must match
// its schema. Ajv's JSON Schema 2020-12
// dialect is the one OpenAPI 3.1 uses (prefixItems, type arrays); ajv-formats adds date-time,
// uri and the other formats zod emits.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

interface MediaTypeObject {
  schema?: unknown;
}
interface ResponseObject {
  content?: Record<string, MediaTypeObject>;
  headers?: Record<string, { required?: boolean }>;
}
interface OperationObject {
  responses: Record<string, ResponseObject>;
}
interface Document {
  paths: Record<string, Record<string, OperationObject>>;
}

/** What {@link validateResponse} checks. */
export interface ResponseToCheck {
  method: string;
  /** The request URL's path and query, as sent. */
  url: string;
  status: number;
  contentType: string;
  /** The response headers, to check those the document marks required. */
  headers: Headers;
  /** The body; undefined when it is not read (an event stream), and then not checked. */
  text: string | undefined;
}

interface Validator {
  document: Document;
  paths: Array<{ template: string; pattern: RegExp }>;
  ajv: Ajv2020;
  compiled: Map<string, ValidateFunction>;
}

const validators = new Map<string, Promise<Validator>>();

const documentId = 'https://goosuke.test/openapi.json';

function pointer(...segments: string[]): string {
  return segments.map((segment) => segment.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
}

async function load(base: string): Promise<Validator> {
  const response = await fetch(`${base}/api/v1/openapi.json`);
  if (!response.ok) throw new Error(`the server did not serve its OpenAPI document (${response.status})`);
  const document = (await response.json()) as Document;
  // strict: false because the document carries OpenAPI keywords around the schemas.
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
  (addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
  ajv.addSchema({ ...document, $id: documentId });
  const paths = Object.keys(document.paths).map((template) => ({
    template,
    pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}/?$`),
  }));
  // Literal paths win over templated ones (`/tasks/{id}/runs/compare` vs `/runs/{id}`).
  paths.sort((a, b) => a.template.split('{').length - b.template.split('{').length);
  return { document, paths, ajv, compiled: new Map() };
}

/**
 * Validates one response against the document served at `base` (loaded once per server).
 * Resolves with the problems found, empty when the response matches the document. Responses
 * for paths or methods the document does not have (the docs pages, 404s and 405s) are checked
 * only for being problem JSON when they are errors.
 */
export async function validateResponse(base: string, checked: ResponseToCheck): Promise<string[]> {
  let pending = validators.get(base);
  if (pending === undefined) {
    pending = load(base);
    validators.set(base, pending);
  }
  const validator = await pending;
  const { pathname } = new URL(checked.url, 'http://localhost');
  const path = validator.paths.find((candidate) => candidate.pattern.test(pathname));
  const method = checked.method.toLowerCase();
  const operation = path === undefined ? undefined : validator.document.paths[path.template]?.[method];
  const problems: string[] = [];
  const mediaType = checked.contentType.split(';')[0]!.trim().toLowerCase();
  if (path === undefined || operation === undefined) {
    if (
      pathname.startsWith('/api/v1/') &&
      checked.status >= 400 &&
      mediaType !== 'application/problem+json'
    ) {
      problems.push(`${checked.status} without problem JSON`);
    }
    if (path !== undefined && checked.status !== 405 && !(method === 'options' && checked.status === 204)) {
      problems.push(
        `${checked.method} ${path.template} is not in the document but answered ${checked.status}`,
      );
    }
    return problems;
  }
  const statusKey = String(checked.status);
  const key = statusKey in operation.responses ? statusKey : checked.status >= 500 ? 'default' : null;
  if (key === null) {
    return [`${checked.method} ${path.template}: status ${checked.status} is not documented`];
  }
  const response = operation.responses[key]!;
  for (const [name, header] of Object.entries(response.headers ?? {})) {
    if (header.required && !checked.headers.has(name)) problems.push(`${key}: no ${name} header`);
  }
  const content = response.content ?? {};
  if (Object.keys(content).length === 0) {
    if (checked.text !== undefined && checked.text !== '') {
      problems.push(`${key}: a body where the document says none`);
    }
    return problems;
  }
  if (checked.status === 304 || method === 'head') return problems;
  if (!(mediaType in content)) {
    problems.push(`${key}: content type ${mediaType} is not one of ${Object.keys(content).join(', ')}`);
    return problems;
  }
  if (!mediaType.endsWith('json') || checked.text === undefined) return problems;
  const ref = `${documentId}#/${pointer('paths', path.template, method, 'responses', key, 'content', mediaType, 'schema')}`;
  let validate = validator.compiled.get(ref);
  if (validate === undefined) {
    validate = validator.ajv.compile({ $ref: ref });
    validator.compiled.set(ref, validate);
  }
  let body: unknown;
  try {
    body = JSON.parse(checked.text);
  } catch {
    return [`${key}: the body is not JSON`];
  }
  if (!validate(body)) {
    for (const error of validate.errors ?? []) {
      problems.push(`${key} body${error.instancePath}: ${error.message} ${JSON.stringify(error.params)}`);
    }
  }
  return problems;
}

/**
 * Validates the `data` of one Server-Sent Event against the RunEvent component of the document
 * served at `base`; resolves with the problems found.
 */
export async function validateRunEventData(base: string, data: string): Promise<string[]> {
  let pending = validators.get(base);
  if (pending === undefined) {
    pending = load(base);
    validators.set(base, pending);
  }
  const validator = await pending;
  const ref = `${documentId}#/components/schemas/RunEvent`;
  let validate = validator.compiled.get(ref);
  if (validate === undefined) {
    validate = validator.ajv.compile({ $ref: ref });
    validator.compiled.set(ref, validate);
  }
  let event: unknown;
  try {
    event = JSON.parse(data);
  } catch {
    return ['the event data is not JSON'];
  }
  return validate(event)
    ? []
    : (validate.errors ?? []).map((error) => `event${error.instancePath}: ${error.message}`);
}
