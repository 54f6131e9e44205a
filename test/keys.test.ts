import { createHash, createPublicKey, generateKeyPairSync, sign, verify } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import {
  ECDSA_KEY_FILE,
  ECDSA_PUBLIC_KEY_FILE,
  loadKeys,
  loadOrCreateKeys,
  NOTE_KEY_FILE,
} from '../server/keys.ts';
import { openLogService } from '../server/log-service.ts';
import { tempDir } from './support/temp-log.ts';

const ORIGIN = 'keys.example/log';

t.test('first start creates an ECDSA P-256 key beside the note key', async (t) => {
  const dir = join(tempDir(t), 'keys');
  const keys = loadOrCreateKeys(dir, ORIGIN);
  const keyPath = join(dir, ECDSA_KEY_FILE);
  t.equal(statSync(keyPath).mode & 0o777, 0o600, 'private key readable by its owner only');
  t.match(readFileSync(keyPath, 'utf8'), /^-----BEGIN PRIVATE KEY-----\n/, 'PKCS8 PEM');
  const pub = readFileSync(join(dir, ECDSA_PUBLIC_KEY_FILE), 'utf8');
  t.match(pub, /^-----BEGIN PUBLIC KEY-----\n/, 'SPKI PEM');
  t.equal(keys.ecdsaPublicKeyPem, pub);
  t.equal(keys.ecdsaPrivateKey.asymmetricKeyDetails?.namedCurve, 'prime256v1');
  const der = createPublicKey(pub).export({ type: 'spki', format: 'der' });
  t.equal(keys.logId, createHash('sha256').update(der).digest('hex'));
  t.match(keys.logId, /^[0-9a-f]{64}$/);
  const signature = sign('sha256', Buffer.from('message'), keys.ecdsaPrivateKey);
  t.ok(verify('sha256', Buffer.from('message'), keys.ecdsaPublicKeyPem, signature));
});

t.test('first start makes the key directory and its missing parents, owner-only', async (t) => {
  const base = tempDir(t);
  const dir = join(base, 'deep', 'er', 'keys');
  loadOrCreateKeys(dir, ORIGIN);
  for (const made of [join(base, 'deep'), join(base, 'deep', 'er'), dir]) {
    t.equal(statSync(made).mode & 0o777, 0o700, `${made} is its owner's only`);
  }
  t.equal(statSync(join(dir, NOTE_KEY_FILE)).mode & 0o777, 0o600, 'note key readable by its owner');
  t.same(loadKeys(dir, ORIGIN).noteVerifierKey, loadOrCreateKeys(dir, ORIGIN).noteVerifierKey);
});

t.test('later starts reuse the keys', async (t) => {
  const dir = tempDir(t);
  const first = loadOrCreateKeys(dir, ORIGIN);
  const second = loadOrCreateKeys(dir, ORIGIN);
  t.equal(second.logId, first.logId);
  t.equal(second.ecdsaPublicKeyPem, first.ecdsaPublicKeyPem);
  t.equal(second.noteVerifierKey, first.noteVerifierKey);
});

t.test('a key directory from before the ECDSA key gets one, keeping its note key', async (t) => {
  const dir = tempDir(t);
  const first = loadOrCreateKeys(dir, ORIGIN);
  rmSync(join(dir, ECDSA_KEY_FILE));
  rmSync(join(dir, ECDSA_PUBLIC_KEY_FILE));
  // The audit only needs the note key, which loads without any ECDSA key.
  t.equal(loadKeys(dir).noteVerifierKey, first.noteVerifierKey);
  const upgraded = loadOrCreateKeys(dir, ORIGIN);
  t.equal(upgraded.noteVerifierKey, first.noteVerifierKey);
  t.not(upgraded.logId, first.logId, 'a new ECDSA key');
  t.ok(existsSync(join(dir, ECDSA_KEY_FILE)));
});

t.test('the log ID comes from the private key, not from an edited ecdsa.pub', async (t) => {
  const dir = tempDir(t);
  const keys = loadOrCreateKeys(dir, ORIGIN);
  const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
  writeFileSync(join(dir, ECDSA_PUBLIC_KEY_FILE), other.export({ type: 'spki', format: 'pem' }));
  t.equal(loadOrCreateKeys(dir, ORIGIN).logId, keys.logId);
});

t.test('an ECDSA key file that is not a P-256 private key is refused', async (t) => {
  const dir = tempDir(t);
  loadOrCreateKeys(dir, ORIGIN);
  const keyPath = join(dir, ECDSA_KEY_FILE);
  for (const [what, pem] of [
    ['garbage', 'not a key'],
    ['P-384', generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey],
    ['Ed25519', generateKeyPairSync('ed25519').privateKey],
  ] as const) {
    const text = typeof pem === 'string' ? pem : pem.export({ type: 'pkcs8', format: 'pem' });
    writeFileSync(keyPath, text);
    t.throws(() => loadOrCreateKeys(dir, ORIGIN), { code: 'bad-ecdsa-key' }, what);
  }
  t.ok(existsSync(join(dir, NOTE_KEY_FILE)));
});

t.test('loading names a missing key directory or a key for another origin', async (t) => {
  const dir = tempDir(t);
  t.throws(() => loadKeys(dir), { code: 'missing-keys' });
  loadOrCreateKeys(dir, ORIGIN);
  t.throws(() => loadOrCreateKeys(dir, 'other.example/log'), { code: 'origin-mismatch' });
});

t.test('an existing log is served only with its own key, never with new ones', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'log.db');
  openLogService({ dbPath, origin: ORIGIN }).close();

  const empty = join(dir, 'elsewhere');
  mkdirSync(empty);
  t.throws(() => openLogService({ dbPath, keysDir: empty }), {
    code: 'missing-keys',
    message: /log\.db is a log whose key is not in .*elsewhere: pass --keys/,
  });
  t.notOk(existsSync(join(empty, NOTE_KEY_FILE)), 'no key was made for it');

  const other = join(dir, 'other-keys');
  loadOrCreateKeys(other, ORIGIN);
  t.throws(() => openLogService({ dbPath, keysDir: other }), {
    code: 'key-mismatch',
    message: /are not signed by the key in .*other-keys/,
  });
  const log = openLogService({ dbPath });
  t.equal(log.sequencer.checkpoint.size, 0, 'its own keys still open it');
  log.close();
});

t.test('an existing log keeps its ECDSA key: a lost one is not replaced', async (t) => {
  const dir = tempDir(t);
  const dbPath = join(dir, 'log.db');
  const first = openLogService({ dbPath, origin: ORIGIN });
  const { logId } = first.keys;
  first.close();
  const keysDir = join(dir, 'keys');
  const saved = [ECDSA_KEY_FILE, ECDSA_PUBLIC_KEY_FILE].map((file) =>
    readFileSync(join(keysDir, file)),
  );
  rmSync(join(keysDir, ECDSA_KEY_FILE));
  rmSync(join(keysDir, ECDSA_PUBLIC_KEY_FILE));
  t.throws(() => openLogService({ dbPath }), {
    code: 'missing-keys',
    message: /log\.db is a log whose ECDSA key is not in .*keys: restore its ecdsa\.key/,
  });
  t.notOk(existsSync(join(keysDir, ECDSA_KEY_FILE)), 'no key was made for it');

  // Another ECDSA key in its place.
  loadOrCreateKeys(keysDir, ORIGIN);
  t.throws(() => openLogService({ dbPath }), {
    code: 'key-mismatch',
    message:
      /are cosigned by another ECDSA key than the one in .*keys \(log ID [0-9a-f]{64}\): pass --keys with this log's own ecdsa\.key/,
  });

  writeFileSync(join(keysDir, ECDSA_KEY_FILE), saved[0], { mode: 0o600 });
  writeFileSync(join(keysDir, ECDSA_PUBLIC_KEY_FILE), saved[1]);
  const log = openLogService({ dbPath });
  t.equal(log.keys.logId, logId, 'its own ECDSA key opens it again');
  log.close();
});
