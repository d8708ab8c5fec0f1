import { isIP } from 'node:net';
import { type GatewayLeaseOptions, type InputIssue, InvalidInputError } from '@goosuke/core';
import { wireSpecs } from './wires/wires.ts';

/** Options of `createModelGateway`. */
export interface ModelGatewayOptions {
  /**
   * The loopback address to listen on: `127.0.0.1` (default), any `127.x.x.x`, `::1` or
   * `localhost` (taken as `127.0.0.1`). Any other address is refused: the gateway holds real
   * provider keys and must never be reachable from another host.
   */
  host?: string;
  /** The port; default 0 (a free one: the gateway's `url` names it). */
  port?: number;
  /** The fetch used for upstream calls; default the global (undici) fetch. For tests and proxies. */
  fetch?: typeof fetch;
  /** The largest request body accepted, in bytes; larger ones get 413. Default 32 MiB. */
  maxRequestBytes?: number;
  /**
   * How long to wait for the provider's response headers, in milliseconds; then the call gets
   * 504. A stream that has started is not timed. Default 600 000 (10 minutes: a long
   * non-streamed answer comes in one piece at its end).
   */
  upstreamTimeoutMs?: number;
}

/** The options with their defaults, checked. */
export interface ResolvedGatewayOptions {
  readonly host: string;
  readonly port: number;
  readonly fetch: typeof fetch;
  readonly maxRequestBytes: number;
  readonly upstreamTimeoutMs: number;
}

/** The defaults of {@link ModelGatewayOptions} (`fetch` defaults to the global fetch). */
export const modelGatewayDefaults: Readonly<{
  host: string;
  port: number;
  maxRequestBytes: number;
  upstreamTimeoutMs: number;
}> = Object.freeze({
  host: '127.0.0.1',
  port: 0,
  maxRequestBytes: 32 * 1024 * 1024,
  upstreamTimeoutMs: 600_000,
});

function isLoopback(host: string): boolean {
  if (isIP(host) === 4) return host.startsWith('127.');
  if (isIP(host) === 6) return host === '::1' || /^(0{1,4}:){7}0{0,3}1$/.test(host);
  return false;
}

function positiveInteger(value: unknown): boolean {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Checks `options` and fills in the defaults; throws InvalidInputError naming every problem. */
export function resolveGatewayOptions(options: ModelGatewayOptions): ResolvedGatewayOptions {
  const issues: InputIssue[] = [];
  const requested = options.host ?? modelGatewayDefaults.host;
  const host = requested === 'localhost' ? '127.0.0.1' : requested;
  if (!isLoopback(host)) {
    issues.push({ path: ['host'], message: 'must be a loopback address (127.0.0.1, ::1 or localhost)' });
  }
  const port = options.port ?? modelGatewayDefaults.port;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    issues.push({ path: ['port'], message: 'must be an integer from 0 to 65535' });
  }
  const maxRequestBytes = options.maxRequestBytes ?? modelGatewayDefaults.maxRequestBytes;
  if (!positiveInteger(maxRequestBytes)) {
    issues.push({ path: ['maxRequestBytes'], message: 'must be a positive integer' });
  }
  const upstreamTimeoutMs = options.upstreamTimeoutMs ?? modelGatewayDefaults.upstreamTimeoutMs;
  if (!positiveInteger(upstreamTimeoutMs)) {
    issues.push({ path: ['upstreamTimeoutMs'], message: 'must be a positive integer' });
  }
  if (options.fetch !== undefined && typeof options.fetch !== 'function') {
    issues.push({ path: ['fetch'], message: 'must be a function' });
  }
  if (issues.length > 0) throw InvalidInputError.fromIssues('model gateway options', issues);
  return { host, port, fetch: options.fetch ?? fetch, maxRequestBytes, upstreamTimeoutMs };
}

function nonNegative(value: unknown): boolean {
  return value === undefined || value === null || (typeof value === 'number' && value >= 0);
}

/**
 * Checks a lease's options; throws InvalidInputError naming every problem. The messages never
 * quote the API key.
 */
export function checkLeaseOptions(options: GatewayLeaseOptions): void {
  const issues: InputIssue[] = [];
  if (typeof options.runId !== 'string' || options.runId === '') {
    issues.push({ path: ['runId'], message: 'must be a non-empty string' });
  }
  if (!Object.hasOwn(wireSpecs, options.wire)) {
    issues.push({ path: ['wire'], message: `must be one of ${Object.keys(wireSpecs).join(', ')}` });
  }
  let baseUrl: URL | null = null;
  try {
    baseUrl = new URL(options.upstream?.baseUrl ?? '');
  } catch {
    baseUrl = null;
  }
  if (baseUrl === null || (baseUrl.protocol !== 'https:' && baseUrl.protocol !== 'http:')) {
    issues.push({ path: ['upstream', 'baseUrl'], message: 'must be an http or https URL' });
  } else if (
    baseUrl.username !== '' ||
    baseUrl.password !== '' ||
    baseUrl.search !== '' ||
    baseUrl.hash !== ''
  ) {
    issues.push({
      path: ['upstream', 'baseUrl'],
      message: 'must hold no credentials, query or fragment (the key goes in upstream.apiKey)',
    });
  }
  if (typeof options.upstream?.apiKey !== 'string' || options.upstream.apiKey === '') {
    issues.push({ path: ['upstream', 'apiKey'], message: 'must be a non-empty string' });
  }
  // The model goes into request bodies and, for Gemini, into the upstream path.
  if (typeof options.model !== 'string' || !/^[\x21-\x7e]{1,256}$/.test(options.model)) {
    issues.push({ path: ['model'], message: 'must be 1 to 256 printable characters without spaces' });
  }
  if (!nonNegative(options.limits?.maxCostUsd)) {
    issues.push({ path: ['limits', 'maxCostUsd'], message: 'must be a non-negative number or null' });
  }
  if (!nonNegative(options.limits?.maxTokens)) {
    issues.push({ path: ['limits', 'maxTokens'], message: 'must be a non-negative number or null' });
  }
  if (options.onCall !== undefined && typeof options.onCall !== 'function') {
    issues.push({ path: ['onCall'], message: 'must be a function' });
  }
  if (issues.length > 0) throw InvalidInputError.fromIssues('gateway lease options', issues);
}
