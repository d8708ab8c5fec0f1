import { chmod } from 'node:fs/promises';
import { connect, createServer, type Server, type Socket } from 'node:net';
import path from 'node:path';
import { UnsupportedError } from '@goosuke/core';
import { joinSockets } from './socket-join.ts';

/** The longest Unix socket path Linux takes (`sun_path` is 108 bytes, NUL included). */
const maxSocketPathBytes = 107;

/** The host's half of the loopback forwarding of one run. */
export interface LoopbackForwarders {
  /** For each allowed port, the Unix socket whose connections reach the host's `127.0.0.1:<port>`. */
  readonly sockets: ReadonlyArray<{ readonly port: number; readonly socket: string }>;
  /** Stops listening, removes the sockets and cuts every connection. Idempotent; never rejects. */
  close(): Promise<void>;
}

/**
 * Listens, for each of `ports`, on a Unix socket `<dir>/<port>.sock` (mode 0600) and pipes every
 * connection made to it to the host's `127.0.0.1:<port>`. The sandbox binds `dir` into the agent's
 * mount namespace, where the bridge (`net-bridge.ts`) accepts the agent's TCP connections on
 * `127.0.0.1:<port>` of its own network namespace and passes them here: a Unix socket crosses
 * network namespaces, a TCP port does not.
 * @throws UnsupportedError when a socket path would be too long for Linux.
 */
export async function startLoopbackForwarders(
  dir: string,
  ports: readonly number[],
): Promise<LoopbackForwarders> {
  const servers: Server[] = [];
  const open = new Set<Socket>();
  let closed: Promise<void> | null = null;
  const close = () => {
    closed ??= (async () => {
      for (const socket of open) socket.destroy();
      await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
    })();
    return closed;
  };
  const sockets: Array<{ port: number; socket: string }> = [];
  try {
    for (const port of ports) {
      const socket = path.join(dir, `${port}.sock`);
      if (Buffer.byteLength(socket) > maxSocketPathBytes) {
        throw new UnsupportedError(
          `cannot forward port ${port}: the socket path ${socket} is longer than ${maxSocketPathBytes} bytes (set a shorter TMPDIR for Goosuke)`,
        );
      }
      const server = createServer({ allowHalfOpen: true }, (inbound) => {
        const outbound = connect({ host: '127.0.0.1', port, allowHalfOpen: true });
        for (const end of [inbound, outbound]) {
          open.add(end);
          end.once('close', () => open.delete(end));
        }
        joinSockets(inbound, outbound);
      });
      servers.push(server);
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socket, () => {
          server.off('error', reject);
          resolve();
        });
      });
      // Later errors (none expected once listening) must not become uncaught exceptions.
      server.on('error', () => {});
      await chmod(socket, 0o600);
      sockets.push({ port, socket });
    }
  } catch (error) {
    await close();
    throw error;
  }
  return { sockets, close };
}
