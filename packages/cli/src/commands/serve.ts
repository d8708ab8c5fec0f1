import { InvalidInputError } from '@goosuke/core';
import { readCliConfiguration } from '../configuration.ts';
import { ConfigurationError } from '../configuration-error.ts';
import { createDefaultGoosuke } from '../default-goosuke.ts';
import { exitCodes, exitCodeTable } from '../exit-codes.ts';
import { createCliLogger } from '../pino-logger.ts';
import { plural } from '../plural.ts';
import { defineCommand } from './command.ts';
import { defaultShutdownGraceSeconds, readServeSettings } from './serve-options.ts';
import { shutdownLine, shutdownSignals, signalExitCode } from './shutdown-signals.ts';

const generateHint = `generate one with: node -e "console.log(crypto.randomBytes(32).toString('base64url'))"`;

function readPort(value: string | undefined): number {
  if (value === undefined) return 8000;
  if (!/^\d{1,5}$/.test(value) || Number(value) > 65_535) {
    throw new InvalidInputError(`--port must be a port number from 0 to 65535, not ${JSON.stringify(value)}`);
  }
  return Number(value);
}

/** How long the shutdown may take beyond the grace period before the process exits anyway. */
const shutdownMarginMs = 15_000;

/**
 * `goosuke serve [--host 127.0.0.1] [--port 8000] [--grace SECONDS] ...`: the REST API and the run
 * workers in one process, until SIGTERM or SIGINT, then a graceful shutdown: stop listening and
 * end open streams, take no new run, let running runs finish for up to the grace period (default
 * 30 s), cancel those still running, close the database, exit 0. A second signal exits at once;
 * a shutdown longer than the grace period plus 15 s exits 1. Started by npm, npm's exit counts as
 * SIGTERM (see {@link shutdownSignals}): 0, not 143, because the shutdown was the graceful one.
 * Refuses to start (exit 3) without a strong GOOSUKE_JWT_SECRET and GOOSUKE_SECRET_KEY.
 */
export const serveCommand = defineCommand({
  name: 'serve',
  summary: 'Serve the REST API (with OpenAPI docs at /api/docs) and execute runs.',
  description: [
    'Starts the Goosuke REST API under /api/v1 (the OpenAPI document at /api/v1/openapi.json,',
    'Swagger UI at /api/docs, ReDoc at /api/redoc), the workers that execute runs and the',
    'scheduler that fires schedule actions (a tick missed while stopped fires once), until',
    'SIGTERM or SIGINT. Then it stops listening, lets running runs finish for up to --grace',
    'seconds, cancels those still running, closes the database and exits 0; queued runs wait for',
    'the next start. A second signal exits at once (130 for SIGINT, 143 for SIGTERM); a shutdown',
    'still going 15 s after the grace period exits 1. Started through npm (npx goosuke serve, an',
    'npm script), it also shuts down when that npm process exits, as npm does on SIGTERM.',
    '',
    'Needs GOOSUKE_SECRET_KEY and GOOSUKE_JWT_SECRET (both at least 32 characters, and different),',
    'read from the environment or .env like every command. Listens on 127.0.0.1 unless --host says',
    'otherwise: put a TLS-terminating proxy in front before exposing it.',
    '',
    'Without its flag, each setting but --host and --port is read from a variable:',
    '--grace from GOOSUKE_SHUTDOWN_GRACE_SECONDS, --trust-proxy from GOOSUKE_TRUST_PROXY,',
    '--cors-origin from GOOSUKE_CORS_ORIGINS (comma-separated), --rate-limit-auth from',
    'GOOSUKE_RATE_LIMIT_AUTH and --rate-limit-write from GOOSUKE_RATE_LIMIT_WRITE. A bad flag',
    'exits 2, a bad variable 3.',
  ].join('\n'),
  arguments: [],
  options: {
    host: { type: 'string', valueName: 'HOST', description: 'The address to listen on (default 127.0.0.1).' },
    port: {
      type: 'string',
      valueName: 'PORT',
      description: 'The port to listen on (default 8000; 0 picks one).',
    },
    grace: {
      type: 'string',
      valueName: 'SECONDS',
      description: `How long running runs may finish after SIGTERM or SIGINT before they are canceled (default ${defaultShutdownGraceSeconds}).`,
    },
    'trust-proxy': {
      type: 'string',
      valueName: 'VALUE',
      description:
        'Trust X-Forwarded-For from proxies: true, a hop count, or addresses and subnets (e.g. loopback,10.0.0.0/8); default false.',
    },
    'cors-origin': {
      type: 'string',
      multiple: true,
      valueName: 'ORIGIN',
      description: 'A browser origin allowed to call the API (repeatable); default none (CORS off).',
    },
    'rate-limit-auth': {
      type: 'string',
      valueName: 'N/WINDOW',
      description: 'Requests per client on /api/v1/auth/*, e.g. 10/min (default 20/15min).',
    },
    'rate-limit-write': {
      type: 'string',
      valueName: 'N/WINDOW',
      description: 'Requests per client on the other write routes, e.g. 120/min (default 300/min).',
    },
  },
  exitCodes: [
    [exitCodes.success, 'Stopped by SIGTERM or SIGINT (or npm exiting) after a graceful shutdown.'],
    [exitCodes.failure, 'The shutdown did not finish within the grace period plus 15 s.'],
    [exitCodes.usage, 'Usage error (a bad --port, --grace, --trust-proxy, --cors-origin or rate limit).'],
    [
      exitCodes.configuration,
      'GOOSUKE_JWT_SECRET or GOOSUKE_SECRET_KEY missing or weak, or a bad GOOSUKE_* serve variable.',
    ],
    [exitCodeTable.storage.exitCode, 'Opening the database failed.'],
    [signalExitCode('SIGINT'), 'A second SIGINT during the shutdown: stopped at once.'],
    [signalExitCode('SIGTERM'), 'A second SIGTERM during the shutdown: stopped at once.'],
  ],

  async run({ io, options, positionals }) {
    if (positionals.length > 0) {
      throw new InvalidInputError('serve takes no arguments; see goosuke serve --help');
    }
    const port = readPort(options.port);
    const host = options.host ?? '127.0.0.1';
    const configuration = await readCliConfiguration(io);
    const settings = readServeSettings(options, configuration.env);
    if (configuration.config.jwtSecret === undefined) {
      throw new ConfigurationError(
        'secret_key',
        `GOOSUKE_JWT_SECRET is not set; the server signs access tokens with it; ${generateHint}`,
      );
    }
    // Listening on the signals before anything starts, so that an early signal is not lost.
    const signals = shutdownSignals(io);
    try {
      // Requests (one line each, with their id) and unexpected errors (with their stack), as JSON lines.
      const logger = createCliLogger(io, configuration.env, 'info');
      const goosuke = await createDefaultGoosuke(configuration.config, { env: configuration.env, logger });
      try {
        const workers = goosuke.runs.startWorkers();
        // Schedules fire here: `serve` is the long-running process of a deployment.
        const scheduler = goosuke.startScheduler({
          onError: (action, error) =>
            io.stderr.write(
              `goosuke: schedule ${action.name}: ${error instanceof Error ? error.message : String(error)}\n`,
            ),
          onFired: (action, tick, taskId) =>
            io.stderr.write(
              `goosuke: schedule ${action.name} fired for ${tick.toISOString()}: task ${taskId}\n`,
            ),
        });
        // Loaded here: Express and its middleware cost every other command (and every program
        // that imports this package for `createDefaultGoosuke`) some 15 MB they never use.
        const { createHttpServer } = await import('@goosuke/adapter-http');
        const server = await createHttpServer(goosuke, {
          host,
          port,
          trustProxy: settings.trustProxy,
          corsOrigins: settings.corsOrigins,
          ...(settings.authRateLimit === undefined ? {} : { authRateLimit: settings.authRateLimit }),
          ...(settings.writeRateLimit === undefined ? {} : { writeRateLimit: settings.writeRateLimit }),
        });
        io.stderr.write(
          `goosuke: serving the API on ${server.url}/api/v1 (docs at ${server.url}/api/docs)\n`,
        );
        const cause = await signals.first;
        io.stderr.write(shutdownLine(cause));
        // Closing the server and the scheduler is quick; the runs get the grace period.
        signals.deadline(settings.graceMs + shutdownMarginMs);
        await server.close();
        await scheduler.stop();
        const running = workers.running().length;
        if (running > 0) {
          io.stderr.write(
            `goosuke: waiting up to ${settings.graceMs / 1000} s for ${plural(running, 'running run')}\n`,
          );
        }
        const { canceled } = await workers.stop({ graceMs: settings.graceMs });
        if (canceled.length > 0) {
          io.stderr.write(
            `goosuke: canceled ${plural(canceled.length, 'run')} still running after the grace period: ${canceled.join(', ')}\n`,
          );
        }
      } finally {
        await goosuke.close();
      }
    } finally {
      signals.dispose();
    }
    io.stderr.write('goosuke: stopped\n');
    return exitCodes.success;
  },
});
