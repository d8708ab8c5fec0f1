import { createHttpServer } from '@goosuke/adapter-http';
import { InvalidInputError } from '@goosuke/core';
import { readCliConfiguration } from '../configuration.ts';
import { ConfigurationError } from '../configuration-error.ts';
import { createDefaultGoosuke } from '../default-goosuke.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { defineCommand } from './command.ts';

const generateHint = `generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`;

function readPort(value: string | undefined): number {
  if (value === undefined) return 8000;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    throw new InvalidInputError(`--port must be a port number from 0 to 65535, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** Resolves on the first SIGTERM or SIGINT, and stops listening for them. */
function shutdownSignal(): Promise<string> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
  });
}

/**
 * `goosuke serve [--host 127.0.0.1] [--port 8000]`: the REST API and the run workers in one
 * process, until SIGTERM or SIGINT, then a graceful shutdown (stop listening, end open streams,
 * stop the workers, close the database). Refuses to start (exit 3) without a strong
 * GOOSUKE_JWT_SECRET and GOOSUKE_SECRET_KEY.
 */
export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Serve the REST API (with OpenAPI docs at /api/docs) and execute runs.',
  description: [
    'Starts the Goosuke REST API under /api/v1 (the OpenAPI document at /api/v1/openapi.json,',
    'Swagger UI at /api/docs) and the workers that execute runs, until SIGTERM or SIGINT.',
    '',
    'Needs GOOSUKE_SECRET_KEY and GOOSUKE_JWT_SECRET (both at least 32 characters, and different),',
    'read from the environment or .env like every command. Listens on 127.0.0.1 unless --host says',
    'otherwise: put a TLS-terminating proxy in front before exposing it.',
  ].join('\n'),
  arguments: [],
  options: {
    host: { type: 'string', valueName: 'HOST', description: 'The address to listen on (default 127.0.0.1).' },
    port: {
      type: 'string',
      valueName: 'PORT',
      description: 'The port to listen on (default 8000; 0 picks one).',
    },
  },
  exitCodes: [
    [exitCodes.success, 'Stopped by SIGTERM or SIGINT after a graceful shutdown.'],
    [exitCodes.usage, 'Usage error (a bad --port).'],
    [exitCodes.configuration, 'GOOSUKE_JWT_SECRET or GOOSUKE_SECRET_KEY missing or weak.'],
    [exitCodeTable.storage.exitCode, 'Opening the database failed.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length > 0) {
      throw new InvalidInputError('serve takes no arguments; see goosuke serve --help');
    }
    const port = readPort(options.port);
    const host = options.host ?? '127.0.0.1';
    const configuration = await readCliConfiguration(io);
    if (configuration.config.jwtSecret === undefined) {
      throw new ConfigurationError(
        'secret_key',
        `GOOSUKE_JWT_SECRET is not set; the server signs access tokens with it; ${generateHint}`,
      );
    }
    // Listening on the signals before anything starts, so that an early signal is not lost.
    const stopped = shutdownSignal();
    const goosuke = await createDefaultGoosuke(configuration.config, { env: configuration.env });
    try {
      goosuke.runs.startWorkers();
      const server = await createHttpServer(goosuke, { host, port, workersRunning: () => true });
      io.stderr.write(`goosuke: serving the API on ${server.url}/api/v1 (docs at ${server.url}/api/docs)\n`);
      const signal = await stopped;
      io.stderr.write(`goosuke: ${signal}: shutting down\n`);
      await server.close();
    } finally {
      await goosuke.close();
    }
    io.stderr.write('goosuke: stopped\n');
    return exitCodes.success;
  },
});
