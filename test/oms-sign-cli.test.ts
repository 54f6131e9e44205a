// `attestry sign` with each method, then `attestry verify` on what it wrote: the bundle file,
// --json, publishing to a log (--log) and verifying with the log's evidence, and the failures.

import { X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { signCommand } from '../client-sdk/cli/commands/sign.ts';
import { LogClient } from '../client-sdk/log-client/log-client.ts';
import { expectHelp, jsonOutput, runCli, runInProcess } from './support/cli.ts';
import { serve } from './support/http.ts';
import {
  identityToken,
  makeCertificateChain,
  runCliAsync,
  startSigstoreFakes,
} from './support/signing.ts';
import { openTempLog, tempDir } from './support/temp-log.ts';

t.setTimeout(180_000);

const KEYS = path.resolve(
  import.meta.dirname,
  '../../shared/vectors/oms/scripts/tests/keys/certificate',
);
const PRIVATE_KEY = path.join(KEYS, 'signing-key.pem');
const PUBLIC_KEY = path.join(KEYS, 'signing-key-pub.pem');

function makeModel(t: Test): string {
  const dir = tempDir(t, 'oms-model-');
  writeFileSync(path.join(dir, 'weights.bin'), 'weights');
  writeFileSync(path.join(dir, 'config.json'), '{}');
  return dir;
}

t.test('--help shows every method and option', async (t) => {
  expectHelp(
    t,
    ['sign', '--help'],
    [
      '<model>',
      '--key <file>',
      '--certificate <file>',
      '--certificate-chain <file>',
      '--identity-token <jwt>',
      '--fulcio-url <url>',
      '--tsa-url <url>',
      '--out <file>',
      /relative to the working\s+directory[\s\S]*\(default:\s+"model\.sig"\)/,
      '--ignore-paths <path>',
      '--no-ignore-git-paths',
      '--allow-symlinks',
      '--shard-size <bytes>',
      '--log <url>',
      '--json',
      'Choose one method',
    ],
  );
});

t.test('signs with a key into --out, which verify then accepts', async (t) => {
  const dir = makeModel(t);
  const out = path.join(tempDir(t), 'weights.sig');
  const cli = runCli(['sign', dir, '--key', PRIVATE_KEY, '--out', out]);
  t.equal(cli.status, 0, cli.stderr);
  t.match(
    cli.stdout,
    /^signed .* \(2 resources, root sha256:[0-9a-f]{64}\) with the key method: .*weights\.sig\n$/,
  );
  const bundle = JSON.parse(readFileSync(out, 'utf8'));
  t.equal(bundle.mediaType, 'application/vnd.dev.sigstore.bundle.v0.3+json');
  const verified = runCli(['verify', dir, '--bundle', out, '--key', PUBLIC_KEY]);
  t.equal(verified.status, 0, verified.stderr);
});

t.test('by default model.sig is written in the working directory and left unsigned', async (t) => {
  const dir = makeModel(t);
  const cli = await runCliAsync(['sign', '.', '--key', PRIVATE_KEY, '--json'], { cwd: dir });
  t.equal(cli.status, 0, cli.stderr);
  const output = jsonOutput(cli.stdout);
  t.match(output, { ok: true, bundle: path.join(dir, 'model.sig'), method: 'key', files: 2 });
  const payload = JSON.parse(
    Buffer.from(
      JSON.parse(readFileSync(path.join(dir, 'model.sig'), 'utf8')).dsseEnvelope.payload,
      'base64',
    ).toString(),
  );
  t.ok(payload.predicate.serialization.ignore_paths.includes('model.sig'));
  const verified = await runCliAsync(
    ['verify', '.', '--bundle', 'model.sig', '--key', PUBLIC_KEY],
    { cwd: dir },
  );
  t.equal(verified.status, 0, verified.stderr);
});

t.test('hashing options: ignored paths, git files, symbolic links, shards', async (t) => {
  const dir = makeModel(t);
  writeFileSync(path.join(dir, '.gitignore'), '*.tmp');
  writeFileSync(path.join(dir, 'scratch.tmp'), 'temporary');
  mkdirSync(path.join(dir, 'shared'));
  writeFileSync(path.join(dir, 'shared', 'vocab.txt'), 'a b c');
  symlinkSync('shared/vocab.txt', path.join(dir, 'vocab.txt'));
  const out = path.join(tempDir(t), 'model.sig');
  const sign = (...extra: string[]) =>
    runCli(['sign', dir, '--key', PRIVATE_KEY, '--out', out, '--json', ...extra]);

  const refused = sign();
  t.equal(refused.status, 1);
  t.match(jsonOutput(refused.stdout), {
    ok: false,
    code: 'model-unreadable',
    message: /symbolic link/,
  });

  const signed = sign(
    '--allow-symlinks',
    '--no-ignore-git-paths',
    '--ignore-paths',
    path.relative(process.cwd(), path.join(dir, 'scratch.tmp')),
    '--shard-size',
    '4',
  );
  t.equal(signed.status, 0, signed.stderr);
  const payload = JSON.parse(
    Buffer.from(JSON.parse(readFileSync(out, 'utf8')).dsseEnvelope.payload, 'base64').toString(),
  );
  t.match(payload.predicate.serialization, {
    method: 'shards',
    shard_size: 4,
    allow_symlinks: true,
    ignore_paths: ['scratch.tmp'],
  });
  t.ok(
    payload.predicate.resources.some((resource: { name: string }) =>
      resource.name.startsWith('.gitignore:'),
    ),
  );
  // As with model_signing, verify leaves the git files out unless told not to: .gitignore, which
  // was signed, is then missing.
  const defaults = runCli(['verify', dir, '--bundle', out, '--key', PUBLIC_KEY]);
  t.equal(defaults.status, 1);
  t.match(defaults.stderr, /missing: \.gitignore/);
  const verified = runCli([
    'verify',
    dir,
    '--bundle',
    out,
    '--key',
    PUBLIC_KEY,
    '--no-ignore-git-paths',
  ]);
  t.equal(verified.status, 0, verified.stderr);

  const badShard = runCli(['sign', dir, '--key', PRIVATE_KEY, '--shard-size', '0']);
  t.equal(badShard.status, 1);
  t.match(badShard.stderr, /a shard size is a whole number of bytes, at least 1/);
});

t.test('signs with a certificate and its chain', async (t) => {
  const dir = makeModel(t);
  const chain = await makeCertificateChain({ intermediate: true });
  const files = tempDir(t);
  const write = (name: string, text: string) => {
    writeFileSync(path.join(files, name), text);
    return path.join(files, name);
  };
  const pem = (der: Uint8Array) => new X509Certificate(der).toString();
  const out = path.join(files, 'model.sig');
  const cli = runCli([
    'sign',
    dir,
    '--key',
    write('leaf.key', chain.leafKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    '--certificate',
    write('leaf.pem', chain.leafPem),
    '--certificate-chain',
    write('intermediate.pem', pem(chain.certificates[1])),
    '--certificate-chain',
    write('root.pem', pem(chain.certificates[2])),
    '--out',
    out,
  ]);
  t.equal(cli.status, 0, cli.stderr);
  t.match(cli.stdout, /with the certificate method/);
  const verified = runCli([
    'verify',
    dir,
    '--bundle',
    out,
    '--certificate-chain',
    path.join(files, 'root.pem'),
  ]);
  t.equal(verified.status, 0, verified.stderr);
  t.match(
    verified.stdout,
    /as signed by the certificate of email:dev@example\.com \(CA CN=Test Root CA\)/,
  );
});

t.test('signs keyless with Fulcio and a TSA, verified by identity', async (t) => {
  const sigstore = await startSigstoreFakes();
  t.teardown(() => sigstore.close());
  const dir = makeModel(t);
  const files = tempDir(t);
  const out = path.join(files, 'model.sig');
  const trustedRoot = path.join(files, 'trusted_root.json');
  writeFileSync(trustedRoot, JSON.stringify(sigstore.trustedRoot));
  const cli = await runCliAsync([
    'sign',
    dir,
    '--identity-token',
    identityToken({ sub: 'dev@example.com', iss: 'https://accounts.example' }),
    '--fulcio-url',
    sigstore.fulcioURL,
    '--tsa-url',
    sigstore.tsaURL,
    '--out',
    out,
  ]);
  t.equal(cli.status, 0, cli.stderr);
  t.match(cli.stdout, /with the sigstore method/);
  const verify = [
    'verify',
    dir,
    '--bundle',
    out,
    '--identity',
    'dev@example.com',
    '--issuer',
    'https://accounts.example',
    '--trusted-root',
    trustedRoot,
  ];
  const unlogged = await runCliAsync(verify);
  t.equal(unlogged.status, 1);
  t.match(unlogged.stderr, /lower the tlog threshold to accept unlogged bundles/);
  const verified = await runCliAsync([...verify, '--tlog-threshold', '0', '--json']);
  t.equal(verified.status, 0, verified.stderr);
  t.match(jsonOutput(verified.stdout), {
    ok: true,
    signer: { method: 'sigstore', identity: 'dev@example.com' },
  });
});

t.test('--log publishes the bundle and prints its index; verify proves it is there', async (t) => {
  const log = openTempLog(t);
  const { url } = await serve(t, log);
  const keys = await LogClient.fetchKeys(url);
  const dir = makeModel(t);
  const out = path.join(tempDir(t), 'model.sig');
  const cli = await runCliAsync(['sign', dir, '--key', PRIVATE_KEY, '--out', out, '--log', url]);
  t.equal(cli.status, 0, cli.stderr);
  t.match(
    cli.stdout,
    new RegExp(
      `^signed .* as "oms-model-[^"]+" .*\\npublished to ${url} at index 0, under the name "oms-model-[^"]+" \\(its directory's: --name sets another\\)\\n$`,
    ),
  );
  const again = await runCliAsync([
    'sign',
    dir,
    '--key',
    PRIVATE_KEY,
    '--out',
    out,
    '--log',
    url,
    '--json',
  ]);
  t.match(jsonOutput(again.stdout), { ok: true, log: { url, logIndex: 1, duplicate: false } });

  const state = tempDir(t);
  const verify = [
    'verify',
    dir,
    '--bundle',
    out,
    '--key',
    PUBLIC_KEY,
    '--log',
    url,
    '--log-key',
    keys.noteVerifierKey,
    '--state-dir',
    state,
  ];
  const verified = await runCliAsync(verify);
  t.equal(verified.status, 0, verified.stderr);
  t.match(
    verified.stdout,
    /\n {2}in the log test\.example\/log at index 1 \(checkpoint of size 2\)\n$/,
  );
  const json = await runCliAsync([...verify, '--json']);
  t.match(jsonOutput(json.stdout), { ok: true, log: { logIndex: 1, consistentWith: 2 } });
});

t.test('a log that refuses the bundle does not lose the signature', async (t) => {
  const dir = makeModel(t);
  const out = path.join(tempDir(t), 'model.sig');
  const cli = runCli([
    'sign',
    dir,
    '--key',
    PRIVATE_KEY,
    '--out',
    out,
    '--log',
    'http://127.0.0.1:1',
  ]);
  t.equal(cli.status, 1);
  t.match(
    cli.stderr,
    /^attestry sign: the bundle is signed, but publishing it to http:\/\/127\.0\.0\.1:1 failed/,
  );
  t.ok(existsSync(out), 'the bundle was written first');
});

t.test('signing failures say what to do', async (t) => {
  const dir = makeModel(t);
  const cases: [string[], RegExp][] = [
    [['sign', dir], /no signing method: give a private key/],
    [['sign', dir, '--key', path.join(dir, 'nope.pem')], /cannot read --key .*nope\.pem/],
    [
      ['sign', dir, '--key', PRIVATE_KEY, '--certificate', path.join(dir, 'nope.pem')],
      /cannot read --certificate /,
    ],
    [
      ['sign', dir, '--key', PRIVATE_KEY, '--certificate-chain', path.join(dir, 'nope.pem')],
      /cannot read --certificate-chain /,
    ],
    [
      ['sign', dir, '--key', PRIVATE_KEY, '--out', path.join(dir, 'no-such-dir', 'model.sig')],
      /cannot write the bundle to .*no-such-dir/,
    ],
  ];
  for (const [args, message] of cases) {
    const cli = runCli(args);
    t.equal(cli.status, 1, String(message));
    t.match(cli.stderr, message);
  }
  const json = runCli(['sign', dir, '--json']);
  t.equal(json.status, 1);
  t.match(jsonOutput(json.stdout), { ok: false, code: 'bad-options' });
});

t.test('sign --name takes only a name a log would take', async (t) => {
  for (const [name, why] of [
    ['acme//model', /empty path segment/],
    ['', /empty path segment/],
    ['acme/*', /only patterns have/],
  ] as const) {
    const run = await runInProcess(signCommand, ['model', '--key', 'k.pem', '--name', name]);
    t.not(run.status, 0, JSON.stringify(name));
    t.match(run.stderr, why);
  }
});
