import { InvalidInputError } from '@goosuke/core';
import type { GatewayCoordinates } from './recipe-types.ts';

/** A run's gateway endpoint, checked: loopback HTTP on 127.0.0.1 with an explicit port. */
export interface GatewayEndpoint {
  /** `http://127.0.0.1:PORT` plus the lease's path prefix, if any, without a trailing slash. */
  readonly baseUrl: string;
  readonly token: string;
  /** The port the sandbox must let the agent reach on 127.0.0.1. */
  readonly port: number;
}

/**
 * Checks the gateway coordinates an agent will be given and returns its port. The agent runs in a
 * network namespace whose only way out is a host loopback port let through by the sandbox, so
 * the gateway must be plain HTTP on 127.0.0.1 (no name to resolve, no TLS to a loopback
 * listener, no credentials, query or fragment that an agent would mangle when it appends paths).
 * @throws InvalidInputError naming what is wrong with `baseUrl` or `token`.
 */
export function readGatewayEndpoint(gateway: GatewayCoordinates): GatewayEndpoint {
  if (typeof gateway !== 'object' || gateway === null) {
    throw new InvalidInputError('the run needs a gateway endpoint ({ baseUrl, token })');
  }
  const { baseUrl, token } = gateway;
  if (typeof token !== 'string' || token === '' || /[\0\r\n]/.test(token)) {
    throw new InvalidInputError('the gateway token must be a non-empty single-line string');
  }
  let url: URL;
  try {
    url = new URL(String(baseUrl));
  } catch {
    throw new InvalidInputError(`the gateway URL ${JSON.stringify(baseUrl)} is not a URL`);
  }
  const refuse = (why: string) =>
    new InvalidInputError(
      `the gateway URL ${JSON.stringify(baseUrl)} ${why}: agents reach only http://127.0.0.1:PORT`,
    );
  if (url.protocol !== 'http:') throw refuse('is not http');
  if (url.hostname !== '127.0.0.1') throw refuse('is not on 127.0.0.1');
  if (url.username !== '' || url.password !== '') throw refuse('carries credentials');
  if (url.search !== '' || url.hash !== '') throw refuse('has a query or a fragment');
  // URL drops the default port: http on 127.0.0.1 without one is port 80.
  const port = url.port === '' ? 80 : Number(url.port);
  const prefix = url.pathname.replace(/\/+$/, '');
  return { baseUrl: `http://127.0.0.1:${port}${prefix}`, token, port };
}
