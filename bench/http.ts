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
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { httpRequest, load, type Measured, openConnections } from './load-generator.ts';
import { signedSubmissions, startLogServer, WARM_UP_APPENDS } from './log-server.ts';
import { mean, median, quantile } from './stats.ts';

const ROUNDS = 5;
const APPENDS_PER_ROUND = 3_000;
const HEALTHZ_PER_ROUND = 5_000;
// The warm-up (WARM_UP_APPENDS) is sent in parts, each's rate and CPU printed: how a log just
// started fares.
const WARM_UP_PARTS = 4;
const IN_FLIGHT = 64;

export async function run(): Promise<void> {
  console.log('# bench http');
  const submissions = await signedSubmissions(WARM_UP_APPENDS + ROUNDS * APPENDS_PER_ROUND);
  const dir = mkdtempSync(join(tmpdir(), 'attestry-bench-http-'));
  const server = await startLogServer(join(dir, 'log.db'));
  const { child } = server;
  const requests = await server.appendRequests(submissions);
  const healthz = httpRequest('GET', '/healthz', {});
  const connections = await openConnections(server.port, IN_FLIGHT);
  try {
    const pid = child.pid as number;
    const warmUp: string[] = [];
    for (let part = 0; part < WARM_UP_PARTS; part++) {
      const first = Math.floor((part * WARM_UP_APPENDS) / WARM_UP_PARTS);
      const end = Math.floor(((part + 1) * WARM_UP_APPENDS) / WARM_UP_PARTS);
      const m = await load(connections, pid, end - first, (i) => requests[first + i], 201);
      warmUp.push(`${m.perSecond.toFixed(0)}/s at ${m.serverCpu.toFixed(0)} µs`);
    }
    console.log(
      `warm-up, ${WARM_UP_APPENDS} appends in ${WARM_UP_PARTS} parts (rate, server CPU per append): ${warmUp.join(', ')}`,
    );
    const appends: Measured[] = [];
    const health: Measured[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      health.push(await load(connections, pid, HEALTHZ_PER_ROUND, () => healthz, 200));
      const first = WARM_UP_APPENDS + round * APPENDS_PER_ROUND;
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
      `appends over HTTP, ${IN_FLIGHT} in flight, ${ROUNDS} rounds of ${APPENDS_PER_ROUND} after ${WARM_UP_APPENDS} to warm up: median ${median(rates).toFixed(0)}/s, rounds ${Math.min(...rates).toFixed(0)}-${Math.max(...rates).toFixed(0)}/s (target >= 3000); time to answer with proof p50 ${quantile(latencies, 0.5).toFixed(1)} ms, p99 ${quantile(latencies, 0.99).toFixed(1)} ms (target <= 250)`,
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
