// Two builds of the log service compared on this machine: which appends faster over HTTP.
//
//   npm run bench:ab -- TREE_A TREE_B [--env-a "K=V ..."] [--env-b "K=V ..."] [--slices 16]
//                                    [--slice-size 700]
//
// A small VM's speed swings by a quarter or more within seconds, so two benchmark runs one after
// the other compare the VM's moments, not the builds. Here both servers run at once (each its own
// `attestry server` process and SQLite file) and take turns, in short slices of appends at 64 in
// flight, A then B, then B then A: a swing hits both. The figure that counts is the median of the
// ratios of neighbouring slices. Same tree twice (or the same environment) gives about 1.00 and
// shows how far this machine's noise reaches.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { type Connection, load, openConnections } from './load-generator.ts';
import {
  type LogServer,
  signedSubmissions,
  startLogServer,
  WARM_UP_APPENDS,
} from './log-server.ts';
import { median, quantile } from './stats.ts';

const IN_FLIGHT = 64;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    'env-a': { type: 'string', default: '' },
    'env-b': { type: 'string', default: '' },
    slices: { type: 'string', default: '16' },
    'slice-size': { type: 'string', default: '700' },
  },
});
if (positionals.length !== 2) {
  console.error(
    'usage: npm run bench:ab -- TREE_A TREE_B [--env-a "K=V ..."] [--env-b "K=V ..."] [--slices N] [--slice-size N]',
  );
  process.exit(2);
}
const slices = Number(values.slices);
const sliceSize = Number(values['slice-size']);

function environment(text: string): Record<string, string> {
  return Object.fromEntries(
    text
      .split(/\s+/)
      .filter(Boolean)
      .map((pair) => {
        const equals = pair.indexOf('=');
        if (equals < 1) throw new Error(`"${pair}" is not NAME=VALUE`);
        return [pair.slice(0, equals), pair.slice(equals + 1)];
      }),
  );
}

interface Side {
  name: string;
  server: LogServer;
  requests: Buffer[];
  connections: Connection[];
  next: number;
  rates: number[];
  latencies: number[];
}

async function side(name: string, tree: string, env: string, submissions: string[], dir: string) {
  const server = await startLogServer(join(dir, `${name}.db`), resolve(tree), environment(env));
  return {
    name,
    server,
    requests: await server.appendRequests(submissions),
    connections: await openConnections(server.port, IN_FLIGHT),
    next: 0,
    rates: [],
    latencies: [],
  } satisfies Side as Side;
}

async function appends(side: Side, count: number): Promise<number> {
  const first = side.next;
  side.next += count;
  const measured = await load(
    side.connections,
    side.server.child.pid as number,
    count,
    (i) => side.requests[first + i],
    201,
  );
  side.latencies.push(...measured.latencies);
  return measured.perSecond;
}

const submissions = await signedSubmissions(WARM_UP_APPENDS + slices * sliceSize);
const dir = mkdtempSync(join(tmpdir(), 'attestry-bench-ab-'));
const sides: Side[] = [];
try {
  const a = await side('A', positionals[0], values['env-a'], submissions, dir);
  sides.push(a);
  const b = await side('B', positionals[1], values['env-b'], submissions, dir);
  sides.push(b);
  for (const s of [a, b]) {
    await appends(s, WARM_UP_APPENDS);
    s.latencies = [];
  }
  for (let slice = 0; slice < slices; slice++) {
    for (const s of slice % 2 === 0 ? [a, b] : [b, a]) s.rates.push(await appends(s, sliceSize));
  }
  for (const s of [a, b]) {
    console.log(
      `${s.name} ${positionals[s === a ? 0 : 1]} ${s === a ? values['env-a'] : values['env-b']}: median ${median(s.rates).toFixed(0)}/s, p50 ${quantile(s.latencies, 0.5).toFixed(1)} ms, p99 ${quantile(s.latencies, 0.99).toFixed(1)} ms; slices ${s.rates.map((r) => r.toFixed(0)).join(' ')}`,
    );
  }
  const ratios = a.rates.map((rate, i) => b.rates[i] / rate);
  console.log(
    `B/A: median ${median(ratios).toFixed(3)} of ${slices} neighbouring slices (${quantile(ratios, 0.25).toFixed(3)}-${quantile(ratios, 0.75).toFixed(3)} between the quartiles)`,
  );
} finally {
  for (const s of sides) {
    for (const connection of s.connections) connection.close();
    s.server.child.kill('SIGTERM');
  }
  rmSync(dir, { recursive: true, force: true });
}
