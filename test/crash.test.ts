// Crash safety: SIGKILL in the middle of batches, 20 times. After each restart every acknowledged
// entry is present and unchanged, and the log's checkpoint is consistent with every checkpoint
// acknowledged before.
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import t from 'tap';
import { defaultKeysDir } from '../server/defaults.ts';
import { loadKeys } from '../server/keys.ts';
import { auditLog } from '../server/log/audit.ts';
import { parseVerifierKey } from '../server/log/note-keys.ts';
import { openSqliteStorage } from '../server/storage/sqlite-storage.ts';
import { checkAfterCrash } from './support/crash-checks.ts';
import { tempDir } from './support/temp-log.ts';

const WORKER = resolve(import.meta.dirname, 'fixtures/append-worker.ts');
const KILLS = 20;

interface Ack {
  index: number;
  bodyHex: string;
  size: number;
  rootHex: string;
}

/** Starts a worker, lets it acknowledge at least `minAcks` entries, then SIGKILLs it mid-stream. */
function runUntilKilled(dbPath: string, run: number, minAcks: number): Promise<Ack[]> {
  return new Promise((resolvePromise, reject) => {
    const child: ChildProcess = spawn(process.execPath, [WORKER, dbPath, String(run)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const acks: Ack[] = [];
    let buffered = '';
    let killed = false;
    child.stdout?.setEncoding('utf8');
    child.stdout?.on('data', (chunk: string) => {
      buffered += chunk;
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      for (const line of lines) {
        const [word, index, bodyHex, size, rootHex] = line.split(' ');
        if (word === 'ack')
          acks.push({ index: Number(index), bodyHex, size: Number(size), rootHex });
      }
      if (!killed && acks.length >= minAcks) {
        killed = true;
        child.kill('SIGKILL');
      }
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolvePromise(acks);
      else reject(new Error(`worker exited with ${code ?? signal} before it was killed`));
    });
  });
}

t.test(`no acknowledged entry is lost across ${KILLS} SIGKILLs`, async (t) => {
  const dbPath = join(tempDir(t), 'log.db');
  const acknowledged = new Map<number, string>();
  const roots = new Map<number, string>();
  let random = 12345;
  for (let run = 0; run < KILLS; run++) {
    random = (random * 1103515245 + 12345) % 2 ** 31;
    const acks = await runUntilKilled(dbPath, run, 20 + (random % 400));
    for (const ack of acks) {
      acknowledged.set(ack.index, ack.bodyHex);
      roots.set(ack.size, ack.rootHex);
    }

    // Restart: the log must open, hold every acknowledged entry unchanged, and be consistent with
    // every checkpoint that was ever handed out.
    checkAfterCrash(t, dbPath, run, acknowledged, roots);
  }

  const storage = openSqliteStorage(dbPath, { readonly: true });
  t.teardown(() => storage.close());
  const { noteVerifierKey } = loadKeys(defaultKeysDir(dbPath));
  const report = auditLog({ storage, verifier: parseVerifierKey(noteVerifierKey) });
  t.ok(report.entries >= acknowledged.size, `audit clean over ${report.entries} entries`);
});
