// `attestry verify` over model_signing's released bundles: exit 0 only when all verified, one
// JSON document with --json, failures that say what differs and what to do.
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { expectHelp, jsonOutput, runCli } from './support/cli.ts';
import { copyRelease, OMS, RELEASES } from './support/oms-vectors.ts';

t.setTimeout(120_000);

const KEYS = path.join(RELEASES, 'keys/certificate');
const PUBLIC_KEY = path.join(KEYS, 'signing-key-pub.pem');
const ROOT_CA = path.join(KEYS, 'ca-cert.pem');
const TRUST_CONFIG = path.join(OMS, 'tests/_signing/testdata/custom_trust_config.json');

t.test('--help shows every method and option', async (t) => {
  expectHelp(
    t,
    ['verify', '--help'],
    [
      '<model>',
      '--bundle <file>',
      '--key <file>',
      '--certificate-chain <file>',
      '--identity <san>',
      '--issuer <url>',
      '--trusted-root <file>',
      '--tlog-threshold <n>',
      '--ignore-paths <path>',
      '--ignore-unsigned-files',
      '--no-ignore-git-paths',
      '--log <url>',
      '--log-key <key>',
      '--state-dir <dir>',
      '--json',
      'Choose one method',
      'Exits 0 only when all of it verified',
    ],
  );
});

t.test('a released key bundle verifies; --json prints one document', async (t) => {
  const dir = copyRelease(t, 'v1.1.0-elliptic-key');
  const bundle = path.join(dir, 'model.sig');
  const cli = runCli(['verify', dir, '--bundle', bundle, '--key', PUBLIC_KEY]);
  t.equal(cli.status, 0, cli.stderr);
  t.match(cli.stdout, /^verified .*: 2 files as signed by the key sha256:c1e49d63/);
  t.equal(cli.stderr, '');
  const json = runCli(['verify', dir, '--bundle', bundle, '--key', PUBLIC_KEY, '--json']);
  t.equal(json.status, 0);
  t.match(jsonOutput(json.stdout), {
    ok: true,
    method: 'key',
    files: 2,
    rootDigest: '92745110b1ab4368471cbe31664e10174e954b113a3df333db860317b2c6dec4',
    unsignedFiles: [],
  });
});

t.test('a changed model fails with exit 1 and names each file', async (t) => {
  const dir = copyRelease(t, 'v1.1.0-elliptic-key');
  const args = ['verify', dir, '--bundle', path.join(dir, 'model.sig'), '--key', PUBLIC_KEY];
  writeFileSync(path.join(dir, 'signme-1'), 'changed');
  writeFileSync(path.join(dir, 'added.bin'), 'new');
  const cli = runCli(args);
  t.equal(cli.status, 1);
  t.equal(cli.stdout, '');
  t.match(cli.stderr, /^attestry verify: the model does not match its signature/);
  t.match(cli.stderr, /\n {2}extra: added\.bin\n {2}changed: signme-1\n/);
  t.match(cli.stderr, /pass --ignore-unsigned-files to accept files the signature does not cover/);
  const json = runCli([...args, '--json']);
  t.equal(json.status, 1);
  t.same(jsonOutput(json.stdout), {
    ok: false,
    code: 'manifest-mismatch',
    message: 'the model does not match its signature (extra: added.bin; changed: signme-1)',
    missing: [],
    extra: ['added.bin'],
    changed: ['signme-1'],
  });
});

t.test(
  '--ignore-unsigned-files accepts and lists files the signature does not cover',
  async (t) => {
    const dir = copyRelease(t, 'v1.1.0-elliptic-key');
    writeFileSync(path.join(dir, 'added.bin'), 'new');
    const args = ['verify', dir, '--bundle', path.join(dir, 'model.sig'), '--key', PUBLIC_KEY];
    const strict = runCli(args);
    t.equal(strict.status, 1);
    t.notMatch(strict.stderr, /changed:/);
    const lenient = runCli([...args, '--ignore-unsigned-files']);
    t.equal(lenient.status, 0, lenient.stderr);
    t.match(lenient.stdout, /\n {2}not covered by the signature: added\.bin\n/);
  },
);

t.test(
  '--ignore-paths are relative to the working directory; old forms are warned of',
  async (t) => {
    const dir = copyRelease(t, 'v1.0.1-elliptic-key');
    const cli = runCli([
      'verify',
      dir,
      '--bundle',
      path.join(dir, 'model.sig'),
      '--key',
      PUBLIC_KEY,
      '--ignore-paths',
      path.relative(process.cwd(), path.join(dir, 'ignore-me')),
    ]);
    t.equal(cli.status, 0, cli.stderr);
    t.match(
      cli.stderr,
      /warning: the bundle uses an old form \(publicKey\.rawBytes instead of a key hint\): ask the signer to re-sign/,
    );
  },
);

t.test('certificate and keyless bundles verify with their trust roots', async (t) => {
  const certificate = copyRelease(t, 'v1.1.0-certificate');
  const byCertificate = runCli([
    'verify',
    certificate,
    '--bundle',
    path.join(certificate, 'model.sig'),
    '--certificate-chain',
    ROOT_CA,
  ]);
  t.equal(byCertificate.status, 0, byCertificate.stderr);
  t.match(
    byCertificate.stdout,
    /as signed by the certificate of CN=intermediate-ca \(CA CN=root-ca\)/,
  );

  const keyless = copyRelease(t, 'v1.0.1-sigstore');
  const args = [
    'verify',
    keyless,
    '--bundle',
    path.join(keyless, 'model.sig'),
    '--ignore-paths',
    path.join(keyless, 'ignore-me'),
    '--identity',
    'stefanb@us.ibm.com',
    '--issuer',
    'https://sigstore.verify.ibm.com/oauth2',
    '--trusted-root',
    TRUST_CONFIG,
  ];
  const byIdentity = runCli(args);
  t.equal(byIdentity.status, 0, byIdentity.stderr);
  t.match(
    byIdentity.stdout,
    /as signed by stefanb@us\.ibm\.com \(issuer https:\/\/sigstore\.verify\.ibm\.com\/oauth2\)/,
  );
  const wrong = runCli([
    ...args.slice(0, -6),
    '--identity',
    'mallory@example.com',
    ...args.slice(-4),
  ]);
  t.equal(wrong.status, 1);
  t.match(
    wrong.stderr,
    /^attestry verify: the certificate was issued to "stefanb@us\.ibm\.com", not "mallory@example\.com"/,
  );
});

t.test('usage mistakes fail with a message that says what to do', async (t) => {
  const dir = copyRelease(t, 'v1.1.0-elliptic-key');
  const bundle = path.join(dir, 'model.sig');
  const notJson = path.join(dir, 'ignore-me');
  const cases: [string[], RegExp][] = [
    [['verify', dir, '--bundle', bundle], /no verification method: give the public key/],
    [
      ['verify', dir, '--bundle', bundle, '--key', path.join(dir, 'nope.pem')],
      /cannot read --key .*nope\.pem/,
    ],
    [
      ['verify', dir, '--bundle', bundle, '--certificate-chain', path.join(dir, 'nope.pem')],
      /cannot read --certificate-chain/,
    ],
    [
      [
        'verify',
        dir,
        '--bundle',
        bundle,
        '--identity',
        'i',
        '--issuer',
        'u',
        '--trusted-root',
        notJson,
      ],
      /--trusted-root .* is not JSON/,
    ],
    [
      ['verify', dir, '--bundle', bundle, '--key', PUBLIC_KEY, '--log', 'http://127.0.0.1:1'],
      /--log and --log-key go together/,
    ],
    [
      ['verify', dir, '--bundle', path.join(dir, 'nope.sig'), '--key', PUBLIC_KEY],
      /cannot read the bundle/,
    ],
    [['verify', dir, '--key', PUBLIC_KEY], /required option '--bundle <file>' not specified/],
    [
      ['verify', dir, '--bundle', bundle, '--identity', 'i', '--tlog-threshold', 'one'],
      /a whole number is expected/,
    ],
  ];
  for (const [args, message] of cases) {
    const cli = runCli(args);
    t.equal(cli.status, 1, String(message));
    t.match(cli.stderr, message);
  }
  const json = runCli(['verify', dir, '--bundle', bundle, '--json']);
  t.match(jsonOutput(json.stdout), { ok: false, code: 'bad-options' });
});

t.test(
  'on a terminal, signing and verifying show a hashing progress bar',
  { skip: spawnSync('script', ['--version']).status !== 0 && 'needs script(1) for a terminal' },
  async (t) => {
    const bin = path.resolve(import.meta.dirname, '../client-sdk/cli/bin.ts');
    const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
    // script(1) runs the command on a pseudo-terminal and copies what it shows to stdout.
    const onTerminal = (args: string[]) =>
      spawnSync(
        'script',
        ['-qec', [process.execPath, bin, ...args].map(quote).join(' '), '/dev/null'],
        {
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
    const dir = copyRelease(t, 'v1.1.0-elliptic-key');
    // model.sig stays beside the model, which is signme-1 and signme-2 (9 and 8 bytes).
    const bundle = path.join(dir, 'model.sig');
    const signed = onTerminal([
      'sign',
      dir,
      '--key',
      path.join(KEYS, 'signing-key.pem'),
      '--out',
      bundle,
      '--ignore-paths',
      path.join(dir, 'ignore-me'),
    ]);
    t.equal(signed.status, 0, signed.stdout);
    t.match(signed.stdout, /hashing \[[^\]]+\] 100% \| 17\/17/);
    t.match(signed.stdout, /\nsigned /);
    const verified = onTerminal(['verify', dir, '--bundle', bundle, '--key', PUBLIC_KEY]);
    t.equal(verified.status, 0, verified.stdout);
    t.match(verified.stdout, /hashing \[[^\]]+\] 100% \| 17\/17/);
    writeFileSync(path.join(dir, 'signme-2'), 'changed');
    const failed = onTerminal(['verify', dir, '--bundle', bundle, '--key', PUBLIC_KEY]);
    t.equal(failed.status, 1);
    t.match(failed.stdout, /attestry verify: the model does not match its signature/);
    const unsigned = onTerminal(['sign', dir, '--key', path.join(dir, 'nope.pem')]);
    t.equal(unsigned.status, 1);
    t.match(unsigned.stdout, /attestry sign: cannot read --key/);
  },
);
