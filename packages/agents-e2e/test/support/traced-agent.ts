// A real agent run under strace, inside Goosuke's sandbox: the agent host is told (its
// `executables` option) to start a small launcher instead of the agent, and the launcher runs the
// agent's own program under `strace -f`, writing every `connect`, `sendto`, `sendmsg` and
// `sendmmsg` of the agent and of everything it starts into the run's HOME (kept per task under
// the data directory, so the test reads it after the run). A hidden call of an agent (telemetry,
// a feature-flag fetch, a DNS lookup) fails in the sandbox without a word in the run's events;
// here it shows as an address that is not the gateway's.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { createAcpAgentHost } from '@goosuke/acp';
import { builtInAgentOf } from '@goosuke/core';
import type { AgentName } from './agents.ts';
import { packageDir } from './e2e-goosuke.ts';

export const stracePath = '/usr/bin/strace';
export const straceAvailable = existsSync(stracePath);

/** The file the launcher's strace writes, relative to the agent's HOME. */
export const traceFileName = 'agent-trace.txt';

/** The agent's own program as Goosuke's agent host finds it: `[node, script]` or `[binary]`. */
export async function agentProgram(agent: AgentName): Promise<string[]> {
  const host = createAcpAgentHost({ nodeModules: [packageDir] });
  const found = await host.inspect({ kind: 'built-in', agent: builtInAgentOf(agent)! });
  if (found.path === null) throw new Error(`${agent} is not installed: ${found.problem}`);
  return /\.[cm]?js$/.test(found.path) ? [process.execPath, found.path] : [found.path];
}

/**
 * Writes the launcher into `dir` (a directory of its own: the sandbox shows it to the agent) and
 * returns its path, for `executables: { [agent]: path }`. It passes its arguments (the recipe's)
 * on to the agent, its stdio is the agent's, and it ends as the agent ends.
 */
export function writeTracingLauncher(dir: string, program: readonly string[]): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'traced-agent.mjs');
  const flags = [
    '-f',
    '--seccomp-bpf',
    '-qq',
    '-e',
    'trace=connect,sendto,sendmsg,sendmmsg',
    '-e',
    'signal=none',
    '-s',
    '0',
  ];
  writeFileSync(
    file,
    [
      "import { spawn } from 'node:child_process';",
      `const trace = \`\${process.env.HOME}/${traceFileName}\`;`,
      `const args = [...${JSON.stringify(flags)}, '-o', trace, '--', ...${JSON.stringify(program)}, ...process.argv.slice(2)];`,
      `const child = spawn(${JSON.stringify(stracePath)}, args, { stdio: 'inherit' });`,
      "for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP']) process.on(signal, () => child.kill(signal));",
      "child.on('exit', (code, signal) => process.exit(code ?? (signal === null ? 1 : 128)));",
      '',
    ].join('\n'),
  );
  return file;
}

/** One network address a traced process sent to or connected to. */
export interface TracedAddress {
  family: 'AF_INET' | 'AF_INET6';
  address: string;
  port: number;
  line: string;
}

/** Every IPv4 and IPv6 address in a trace (Unix sockets and netlink are no network traffic). */
export async function tracedAddresses(file: string): Promise<TracedAddress[]> {
  const text = await readFile(file, 'utf8');
  const found: TracedAddress[] = [];
  for (const line of text.split('\n')) {
    for (const match of line.matchAll(/\{sa_family=(AF_INET6?),[^}]*\}/g)) {
      const entry = match[0];
      const port = /sin6?_port=htons\((\d+)\)/.exec(entry)?.[1];
      const address =
        /inet_addr\("([^"]+)"\)/.exec(entry)?.[1] ?? /inet_pton\(AF_INET6, "([^"]+)"/.exec(entry)?.[1];
      found.push({
        family: match[1] as 'AF_INET' | 'AF_INET6',
        address: address ?? '?',
        port: port === undefined ? -1 : Number(port),
        line: line.slice(0, 300),
      });
    }
  }
  return found;
}
