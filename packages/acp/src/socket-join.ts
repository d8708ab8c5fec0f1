import type { Socket } from 'node:net';

/**
 * Pipes two connected sockets into each other until both ends are done: an end (half-close) is
 * passed on as an end, so request/response protocols that close their sending side keep working;
 * an error on either side destroys both. Used on both sides of the loopback forwarding (the
 * host's forwarder and the sandbox's bridge), whose sockets must be made with `allowHalfOpen`.
 */
export function joinSockets(a: Socket, b: Socket): void {
  const destroyBoth = () => {
    a.destroy();
    b.destroy();
  };
  a.on('error', destroyBoth);
  b.on('error', destroyBoth);
  a.on('close', destroyBoth);
  b.on('close', destroyBoth);
  a.pipe(b);
  b.pipe(a);
}
