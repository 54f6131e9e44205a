// The benchmarks' HTTP client: keep-alive HTTP/1.1 over plain sockets, one request at a time on
// each, every request written as one buffer made before the clock starts. What it costs per
// request is the sockets' and little more (wrk's approach), so the CPU it takes from the server
// on a small machine is small and measured. It reads only what fastify answers: a status line,
// headers with Content-Length, and that many bytes of body.
import { readFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');
const CONTENT_LENGTH = /\r\ncontent-length: *(\d+)/i;

export interface Answer {
  status: number;
  body: Buffer;
}

/** One keep-alive connection; requests are sent one after the other. */
export class Connection {
  readonly #socket: Socket;
  #received: Buffer = Buffer.alloc(0);
  #pending: { resolve: (answer: Answer) => void; reject: (error: Error) => void } | undefined;
  #failure: Error | undefined;

  private constructor(socket: Socket) {
    this.#socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk) => this.#onData(chunk));
    socket.on('error', (error) => this.#fail(error));
    socket.on('close', () => this.#fail(new Error('the server closed the connection')));
  }

  static open(port: number, host = '127.0.0.1'): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ port, host }, () => {
        socket.off('error', reject);
        resolve(new Connection(socket));
      });
      socket.once('error', reject);
    });
  }

  /** Sends one whole request (head and body) and resolves with the answer. */
  send(request: Buffer): Promise<Answer> {
    if (this.#failure !== undefined) return Promise.reject(this.#failure);
    if (this.#pending !== undefined) throw new Error('one request at a time per connection');
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject };
      this.#socket.write(request);
    });
  }

  close(): void {
    this.#socket.destroy();
  }

  #onData(chunk: Buffer): void {
    this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
    const headEnd = this.#received.indexOf(HEADER_END);
    if (headEnd < 0) return;
    const head = this.#received.toString('latin1', 0, headEnd);
    const length = CONTENT_LENGTH.exec(head);
    if (length === null) {
      this.#fail(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
      return;
    }
    const end = headEnd + HEADER_END.length + Number(length[1]);
    if (this.#received.length < end) return;
    const answer = {
      status: Number(head.slice(9, 12)),
      body: this.#received.subarray(headEnd + HEADER_END.length, end),
    };
    this.#received = this.#received.subarray(end);
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.resolve(answer);
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    const pending = this.#pending;
    this.#pending = undefined;
    pending?.reject(error);
  }
}

/** `count` keep-alive connections to 127.0.0.1:port. */
export function openConnections(port: number, count: number): Promise<Connection[]> {
  return Promise.all(Array.from({ length: count }, () => Connection.open(port)));
}

/** CPU seconds (user + system) a process has used so far, from Linux's /proc; NaN elsewhere. */
function cpuSeconds(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime, stime in clock ticks
  } catch {
    return Number.NaN;
  }
}

export interface Measured {
  perSecond: number;
  /** Milliseconds from sending each request to its whole answer. */
  latencies: number[];
  /** CPU µs per request, of the server process and of this one (the load generator). */
  serverCpu: number;
  loadCpu: number;
}

/**
 * Sends requests 0..count-1 over the connections, one in flight on each, and checks each answer's
 * status: the rate, the latencies and the CPU per request on both sides.
 */
export async function load(
  connections: Connection[],
  serverPid: number,
  count: number,
  request: (i: number) => Buffer,
  expected: number,
): Promise<Measured> {
  const latencies: number[] = [];
  const serverCpuBefore = cpuSeconds(serverPid);
  const ownCpuBefore = process.cpuUsage();
  let next = 0;
  const started = performance.now();
  await Promise.all(
    connections.map(async (connection) => {
      while (next < count) {
        const i = next++;
        const t0 = performance.now();
        const answer = await connection.send(request(i));
        if (answer.status !== expected) {
          throw new Error(`request ${i}: ${answer.status} ${answer.body.toString()}`);
        }
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const ownCpu = process.cpuUsage(ownCpuBefore);
  const microsPerRequest = (cpu: number) => (cpu * 1e6) / count;
  return {
    perSecond: count / seconds,
    latencies,
    serverCpu: microsPerRequest(cpuSeconds(serverPid) - serverCpuBefore),
    loadCpu: microsPerRequest((ownCpu.user + ownCpu.system) / 1e6),
  };
}

/** The bytes of one HTTP/1.1 request. */
export function httpRequest(
  method: 'GET' | 'POST',
  path: string,
  headers: Record<string, string>,
  body = '',
): Buffer {
  const lines = [`${method} ${path} HTTP/1.1`, 'host: 127.0.0.1'];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  if (method === 'POST') lines.push(`content-length: ${Buffer.byteLength(body)}`);
  return Buffer.from(`${lines.join('\r\n')}\r\n\r\n${body}`);
}
