// The log service over HTTP: appends per second with 64 submissions in flight, and p50/p99 time
// to the answer with its proof. The server runs in its own process (`attestry server`) on a real
// SQLite file; the load generator is this process (bench/load-generator.ts), with bundles signed
// and requests written before the clock starts. Every submission carries a publish token, as a
// pipeline's would.
// Baseline in the same run: GET /healthz at the same concurrency (the HTTP stack alone).
//
// The small VMs this runs on change speed by a quarter or more within seconds, so one long
// measurement says more about the VM than about the log. The run alternates rounds of /healthz
// and appends, and prints every round, the median and the range: the ratio of appends to
// /healthz in the same round is what stays put.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { mintLocalToken } from '../server/auth/local-token.ts';
import { defaultKeysDir } from '../server/defaults.ts';
import { loadTokenIssuerKey } from '../server/keys.ts';
import { freePort } from '../test/support/server-process.ts';
import { Connection, httpRequest } from './load-generator.ts';

const ROUNDS = 5;
const APPENDS_PER_ROUND = 3_000;
const HEALTHZ_PER_ROUND = 5_000;
// Appends before the measured ones: the server's append path is compiled and its caches warm, as
// in a log that has been running; those are the steady-state figures.
const WARM_UP = 2_000;
const IN_FLIGHT = 64;
const BIN = resolve(import.meta.dirname, '../client-sdk/cli/bin.ts');

async function signedSubmissions(count: number) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const publicKeyPem = publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const builder = new DSSEBundleBuilder({
    signer: {
      sign: async (data: Buffer) => ({
        signature: sign('sha256', data, privateKey),
        key: { $case: 'publicKey', publicKey: publicKeyPem },
      }),
    },
    witnesses: [],
  });
  const submissions: string[] = [];
  for (let i = 0; i < count; i++) {
    const statement = {
      _type: 'https://in-toto.io/Statement/v1',
      subject: [{ name: `bench/model-${i}`, digest: { sha256: i.toString(16).padStart(64, '0') } }],
      predicateType: 'https://attestry.dev/bench/v1',
      predicate: { run: i },
    };
    const bundle = await builder.create({
      data: Buffer.from(JSON.stringify(statement)),
      type: 'application/vnd.in-toto+json',
    });
    submissions.push(JSON.stringify({ bundle: bundleToJSON(bundle), publicKey: publicKeyPem }));
  }
  return submissions;
}

/** Starts `attestry server` and waits until it answers /healthz. */
async function startServer(dbPath: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [BIN, 'server', '--db', dbPath, '--port', String(port), '--origin', 'bench.example/log'],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info' },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) return { port, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('the server did not start within 10 s');
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

interface Measured {
  perSecond: number;
  latencies: number[];
  /** CPU µs per request, of the server process and of this one (the load generator). */
  serverCpu: number;
  loadCpu: number;
}

/** Runs `count` requests, IN_FLIGHT at a time; rate, latencies and CPU per request on both sides. */
async function load(
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

const median = (values: number[]) => [...values].sort((a, b) => a - b)[values.length >> 1];
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

export async function run(): Promise<void> {
  console.log('# bench http');
  const submissions = await signedSubmissions(WARM_UP + ROUNDS * APPENDS_PER_ROUND);
  const dir = mkdtempSync(join(tmpdir(), 'attestry-bench-http-'));
  const { port, child } = await startServer(join(dir, 'log.db'));
  const { token } = await mintLocalToken(loadTokenIssuerKey(defaultKeysDir(join(dir, 'log.db'))), {
    origin: 'bench.example/log',
    namespaces: ['bench/*'],
    ttlSeconds: 3600,
    subject: 'bench',
  });
  const requests = submissions.map((body) =>
    httpRequest(
      'POST',
      '/api/v1/entries',
      { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body,
    ),
  );
  const healthz = httpRequest('GET', '/healthz', {});
  const connections = await Promise.all(
    Array.from({ length: IN_FLIGHT }, () => Connection.open(port)),
  );
  try {
    const pid = child.pid as number;
    await load(connections, pid, WARM_UP, (i) => requests[i], 201);
    const appends: Measured[] = [];
    const health: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      health.push(await load(connections, pid, HEALTHZ_PER_ROUND, () => healthz, 200));
      const first = WARM_UP + round * APPENDS_PER_ROUND;
      appends.push(
        await load(connections, pid, APPENDS_PER_ROUND, (i) => requests[first + i], 201),
      );
      console.log(
        `round ${round + 1}: appends ${appends[round].perSecond.toFixed(0)}/s, /healthz ${health[round].perSecond.toFixed(0)}/s, ratio ${(appends[round].perSecond / health[round].perSecond).toFixed(3)}`,
      );
    }
    const rates = appends.map((m) => m.perSecond);
    const latencies = appends.flatMap((m) => m.latencies);
    console.log(
      `appends over HTTP, ${IN_FLIGHT} in flight, ${ROUNDS} rounds of ${APPENDS_PER_ROUND} after ${WARM_UP} to warm up: median ${median(rates).toFixed(0)}/s, rounds ${Math.min(...rates).toFixed(0)}-${Math.max(...rates).toFixed(0)}/s (target >= 3000); time to answer with proof p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms (target <= 250)`,
    );
    console.log(
      `CPU per request, server and load generator: appends ${mean(appends.map((m) => m.serverCpu)).toFixed(0)} and ${mean(appends.map((m) => m.loadCpu)).toFixed(0)} µs, /healthz ${mean(health.map((m) => m.serverCpu)).toFixed(0)} and ${mean(health.map((m) => m.loadCpu)).toFixed(0)} µs`,
    );
    const healthRates = health.map((m) => m.perSecond);
    console.log(
      `baseline GET /healthz, ${IN_FLIGHT} in flight, in the same rounds: median ${median(healthRates).toFixed(0)}/s, p99 ${quantile(
        health.flatMap((m) => m.latencies),
        0.99,
      ).toFixed(
        1,
      )} ms; appends at a median ${(100 * median(rates.map((rate, i) => rate / healthRates[i]))).toFixed(0)}% of it`,
    );
  } finally {
    for (const connection of connections) connection.close();
    child.kill('SIGTERM');
    rmSync(dir, { recursive: true, force: true });
  }
}
