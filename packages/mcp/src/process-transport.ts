import type { AgentProcess } from '@goosuke/acp';
import { ReadBuffer, serializeMessage } from '@modelcontextprotocol/sdk/shared/stdio.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { JSONRPCMessage } from '@modelcontextprotocol/sdk/types.js';

/**
 * The SDK's stdio transport, over a process that is already running: the SDK's own
 * `StdioClientTransport` spawns the command itself (with part of `process.env`, no process group,
 * no file descriptor 3), so a confined launch cannot go through it. The framing (one JSON-RPC
 * message per line) is the SDK's `ReadBuffer` and `serializeMessage`. `close()` does not end the
 * process: its owner does, through the process group.
 */
export class ProcessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T) => void;
  readonly #process: AgentProcess;
  readonly #buffer = new ReadBuffer();
  #closed = false;

  constructor(process: AgentProcess) {
    this.#process = process;
  }

  /** True once the server's side has ended (its stdout closed, or the process exited) or `close()` was called. */
  get closed(): boolean {
    return this.#closed;
  }

  async start(): Promise<void> {
    const { child } = this.#process;
    child.stdout.on('data', (chunk: Buffer) => {
      try {
        this.#buffer.append(chunk);
      } catch (error) {
        // Over the SDK's 10 MB line limit: that message is lost, the connection goes on.
        this.onerror?.(error as Error);
        return;
      }
      this.#drain();
    });
    // The server's end: its stdout closing (or the process exiting) ends the connection.
    child.stdout.once('close', () => this.#end());
    void this.#process.exited.then(() => this.#end());
  }

  async send(message: JSONRPCMessage): Promise<void> {
    if (this.#closed) throw new Error('the server has exited');
    const { stdin } = this.#process.child;
    await new Promise<void>((resolve, reject) => {
      // A write to a dead process fails with EPIPE; the caller gets that, not an uncaught error.
      stdin.write(serializeMessage(message), (error) => (error ? reject(error) : resolve()));
    });
  }

  async close(): Promise<void> {
    this.#end();
  }

  #drain(): void {
    for (;;) {
      let message: JSONRPCMessage | null;
      try {
        message = this.#buffer.readMessage();
      } catch (error) {
        // A line that is not JSON-RPC (a server logging to stdout): reported, not fatal.
        this.onerror?.(error as Error);
        continue;
      }
      if (message === null) return;
      this.onmessage?.(message);
    }
  }

  #end(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#buffer.clear();
    this.onclose?.();
  }
}
