// The sandbox's half of the loopback forwarding, started by bwrap inside the agent's namespaces
// with Goosuke's own Node (the file system is read-only there, but visible):
//
//   node net-bridge.js --forward PORT=SOCKET [--forward PORT=SOCKET ...] -- COMMAND [ARGS...]
//
// It listens on 127.0.0.1:PORT of the sandbox's network namespace (which has nothing but its own
// loopback) and passes each connection to SOCKET, a Unix socket bound in from the host, where
// Goosuke's forwarder connects it to the host's 127.0.0.1:PORT. Once every port listens, it starts
// COMMAND with inherited stdio (stdin and stdout carry the agent's ACP stream) and environment,
// forwards SIGTERM, SIGINT and SIGHUP to it, and ends as it ended: same exit code, or same signal.
// It never touches its own stdin or stdout, which belong to the agent.
//
// Self-contained on purpose (node builtins and one helper): Node runs it as it is, the `.ts` from
// the sources (type stripping) or the `.js` from dist.
import { spawn } from 'node:child_process';
import { connect, createServer, type Server } from 'node:net';
import { constants } from 'node:os';
import { joinSockets } from './socket-join.ts';

interface Forward {
  port: number;
  socket: string;
}

function fail(message: string): never {
  process.stderr.write(`goosuke net-bridge: ${message}\n`);
  process.exit(125);
}

function parse(argv: readonly string[]): { forwards: Forward[]; command: string; args: string[] } {
  const forwards: Forward[] = [];
  let index = 0;
  while (index < argv.length && argv[index] !== '--') {
    const match = argv[index] === '--forward' ? /^(\d+)=(\/.+)$/.exec(argv[index + 1] ?? '') : null;
    if (match === null) fail(`bad arguments: ${JSON.stringify(argv.slice(index, index + 2))}`);
    forwards.push({ port: Number(match[1]), socket: match[2] as string });
    index += 2;
  }
  const [command, ...args] = argv.slice(index + 1);
  if (command === undefined) fail('no command after --');
  return { forwards, command, args };
}

function listen({ port, socket }: Forward): Promise<Server> {
  const server = createServer({ allowHalfOpen: true }, (inbound) => {
    joinSockets(inbound, connect({ path: socket, allowHalfOpen: true }));
  });
  return new Promise((resolve) => {
    server.once('error', (error: NodeJS.ErrnoException) => {
      const hint = error.code === 'EACCES' ? ' (ports below 1024 need a capability the sandbox drops)' : '';
      fail(`cannot listen on 127.0.0.1:${port}: ${error.code ?? error.message}${hint}`);
    });
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}

const { forwards, command, args } = parse(process.argv.slice(2));
const servers = await Promise.all(forwards.map(listen));
// Only now: the agent may connect to its gateway from its first instruction on.
const child = spawn(command, args, { stdio: 'inherit', env: process.env });
child.once('error', (error) => fail(`cannot start ${command}: ${error.message}`));
for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
  process.on(signal, () => {
    child.kill(signal);
  });
}
child.once('exit', (code, signal) => {
  for (const server of servers) server.close();
  if (signal !== null) {
    // Dying of the same signal tells bwrap, and so Goosuke, how the agent ended.
    process.removeAllListeners(signal);
    process.kill(process.pid, signal);
    // A signal Node ignores (SIGPIPE) does not end this process: the shell's convention instead.
    process.exit(128 + (constants.signals[signal] ?? 0));
  }
  process.exit(code ?? 1);
});
