// What the HTTP benchmarks run against: a real `attestry server` process of a source tree, on a
// real SQLite file, and submissions for it, signed and written as requests before any clock starts.
import { type ChildProcess, spawn } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { join, resolve } from 'node:path';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { mintLocalToken } from '../server/auth/local-token.ts';
import { defaultKeysDir } from '../server/defaults.ts';
import { loadTokenIssuerKey } from '../server/keys.ts';
import { freePort } from '../test/support/server-process.ts';
import { httpRequest } from './load-generator.ts';

const ORIGIN = 'bench.example/log';

/**
 * Appends a benchmark sends before it measures, so that it measures the server once V8 has
 * compiled its append path, as in a log that has been running, rather than its first seconds.
 * On the 2-vCPU VM, in runs of 12 rounds of 3,000 after 2,000: V8 made about 230 optimizations
 * (--trace-opt), on its own threads, until about 14,000 appends; until then the server spent
 * 320-430 µs of CPU per append (per-thread CPU from /proc) and appended 2,800-3,500 a second, then
 * 240-300 µs and 3,700-4,600 a second. A warm-up of 2,000 left the measured rounds inside that
 * period.
 */
export const WARM_UP_APPENDS = 20_000;
/** This source tree. */
export const THIS_TREE = resolve(import.meta.dirname, '..');

/** Bodies of POST /api/v1/entries: each a distinct statement, signed by one P-256 key. */
export async function signedSubmissions(count: number): Promise<string[]> {
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

export interface LogServer {
  port: number;
  child: ChildProcess;
  /** The submissions as whole HTTP requests, each with a publish token as a pipeline's would. */
  appendRequests(submissions: string[]): Promise<Buffer[]>;
}

/**
 * Starts `attestry server` of the source tree `tree` on `dbPath`, with `env` added to this
 * process's environment, and waits until it answers /healthz.
 */
export async function startLogServer(
  dbPath: string,
  tree = THIS_TREE,
  env: Record<string, string> = {},
): Promise<LogServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [
      join(tree, 'client-sdk/cli/bin.ts'),
      'server',
      '--db',
      dbPath,
      '--port',
      String(port),
      '--origin',
      ORIGIN,
    ],
    {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'info', ...env },
    },
  );
  const url = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 200; attempt++) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) {
        return {
          port,
          child,
          appendRequests: async (submissions) => {
            const key = loadTokenIssuerKey(defaultKeysDir(dbPath));
            const { token } = await mintLocalToken(key, {
              origin: ORIGIN,
              namespaces: ['bench/*'],
              ttlSeconds: 3600,
              subject: 'bench',
            });
            const headers = {
              'content-type': 'application/json',
              authorization: `Bearer ${token}`,
            };
            return submissions.map((body) => httpRequest('POST', '/api/v1/entries', headers, body));
          },
        };
      }
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  child.kill('SIGKILL');
  throw new Error('the server did not start within 10 s');
}
