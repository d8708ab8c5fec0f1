import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConflictError, type GatewayLease, type GatewayLeaseOptions, type ModelGateway } from '@goosuke/core';
import { type ForwardSettings, forwardCall, sendRefusal } from './forward-call.ts';
import { checkLeaseOptions, type ModelGatewayOptions, resolveGatewayOptions } from './gateway-options.ts';
import { sendJson } from './http-io.ts';
import { LeaseState } from './lease-state.ts';
import { wireOfPath, wireSpecs } from './wires/wires.ts';

const leasePathPattern = /^\/r\/([A-Za-z0-9_-]{1,64})(\/[^?#]*)?$/;
// After close, connections still open (a client that keeps one alive) are cut after this long.
const closeGraceMs = 1_000;

/**
 * Starts the model gateway: a loopback HTTP server serving one endpoint per open lease (see
 * `ModelGateway` in `@goosuke/core`).
 *
 * Contract:
 * - It listens on a loopback address only; `host` naming any other address throws
 *   InvalidInputError, as do invalid options.
 * - `open` validates the lease options (InvalidInputError) and returns a lease whose `baseUrl` is
 *   `<url>/r/<random id>` and whose `token` is 32 random bytes in base64url. After `close` it
 *   throws ConflictError.
 * - A request under a lease's base URL is served only when it presents that lease's token in
 *   one of the wire's usual places (else 401) on one of the wire's paths (else 404). The gateway
 *   forwards it with the model set to the lease's and the real key, streams the reply back
 *   unchanged and records the call (usage, cost at the lease's price, status) on the lease and
 *   with `onCall`; once a limit is reached it refuses calls with a 400 "budget exceeded" in the
 *   wire's error shape and records them as refused.
 * - `close` closes every lease (waiting for calls in flight) and stops the server. Idempotent.
 */
export async function createModelGateway(options: ModelGatewayOptions = {}): Promise<ModelGateway> {
  const settings = resolveGatewayOptions(options);
  const forwardSettings: ForwardSettings = {
    fetch: settings.fetch,
    maxRequestBytes: settings.maxRequestBytes,
    upstreamTimeoutMs: settings.upstreamTimeoutMs,
  };
  const leases = new Map<string, LeaseState>();
  let closing: Promise<void> | null = null;

  function handle(request: IncomingMessage, response: ServerResponse): void {
    const target = request.url ?? '/';
    const queryStart = target.indexOf('?');
    const pathname = queryStart === -1 ? target : target.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1));
    const match = leasePathPattern.exec(pathname);
    const path = match?.[2] ?? pathname;
    const state = match === null ? undefined : leases.get(match[1]!);
    const spec = wireSpecs[state?.options.wire ?? wireOfPath(path)];
    if (match === null) {
      sendRefusal(response, spec, 'not-found');
      return;
    }
    // An unknown lease and a wrong token get the same answer: the id alone proves nothing.
    if (state === undefined || !state.accepts(spec.presentedTokens(request.headers, query))) {
      sendRefusal(response, spec, 'unauthorized');
      return;
    }
    const route = spec.route(request.method ?? 'GET', path);
    if (route === null) {
      sendRefusal(response, spec, 'not-found');
      return;
    }
    if (route.kind === 'models') {
      // The agent may only use the lease's model, so that is the whole list.
      sendJson(response, 200, {
        object: 'list',
        data: [{ id: state.options.model, object: 'model', created: state.openedAt, owned_by: 'goosuke' }],
      });
      return;
    }
    void state
      .track(forwardCall({ request, response, state, spec, route, path, query }, forwardSettings))
      .catch(() => {
        // forwardCall answers every failure it expects; anything else only cuts the connection.
        response.destroy();
      });
  }

  const server = createServer(handle);
  // Stray socket errors (a client resetting) must not crash the host process.
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${settings.host.includes(':') ? `[${settings.host}]` : settings.host}:${port}`;

  async function close(): Promise<void> {
    const states = [...leases.values()];
    await Promise.all(states.map((state) => state.close()));
    leases.clear();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => server.closeAllConnections(), closeGraceMs);
      timer.unref();
      server.close(() => {
        clearTimeout(timer);
        resolve();
      });
      // Idle keep-alive sockets would hold the server open until they time out.
      server.closeIdleConnections();
    });
  }

  return {
    url,
    async open(leaseOptions: GatewayLeaseOptions): Promise<GatewayLease> {
      if (closing !== null) throw new ConflictError('the model gateway is closed');
      checkLeaseOptions(leaseOptions);
      const state = new LeaseState(leaseOptions, url);
      leases.set(state.id, state);
      // A closed lease leaves the table once its calls ended; its token then matches nothing.
      const closeLease = state.lease.close;
      return Object.freeze({
        ...state.lease,
        close: async () => {
          await closeLease();
          leases.delete(state.id);
        },
      });
    },
    close() {
      closing ??= close();
      return closing;
    },
  };
}
