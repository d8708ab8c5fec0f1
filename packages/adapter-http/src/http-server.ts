import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Goosuke } from '@goosuke/core';
import express from 'express';
import {
  createHttpRouter,
  type HttpRouterOptions,
  notFoundHandler,
  problemErrorHandler,
} from './http-router.ts';

/** Options of {@link createHttpServer}. */
export interface HttpServerOptions extends HttpRouterOptions {
  /** Default `127.0.0.1`: the API is not exposed to the network unless asked. */
  host?: string;
  /** Default 8000; 0 picks a free port. */
  port?: number;
  /** Express's `trust proxy` setting (client IPs for rate limits behind a proxy); default false. */
  trustProxy?: boolean | number | string;
}

/** A listening API server. */
export interface HttpServer {
  /** `http://host:port`, with the port actually bound. */
  url: string;
  server: Server;
  /** Stops accepting connections and ends open ones (event streams included). Idempotent. */
  close(): Promise<void>;
}

/** An Express app serving {@link createHttpRouter}, with 404 and error handling for every path. */
export function createHttpApp(goosuke: Goosuke, options: HttpServerOptions = {}): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', options.trustProxy ?? false);
  app.set('query parser', 'simple');
  app.use(createHttpRouter(goosuke, options));
  app.use(notFoundHandler);
  app.use(problemErrorHandler);
  return app;
}

/** Serves the API on `host:port` (default 127.0.0.1:8000) and resolves once it listens. */
export async function createHttpServer(
  goosuke: Goosuke,
  options: HttpServerOptions = {},
): Promise<HttpServer> {
  const app = createHttpApp(goosuke, options);
  const host = options.host ?? '127.0.0.1';
  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port ?? 8000, host, (error?: Error) => {
      if (error) reject(error);
      else resolve(listening);
    });
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  let closing: Promise<void> | null = null;
  return {
    url: `http://${shownHost}:${address.port}`,
    server,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
