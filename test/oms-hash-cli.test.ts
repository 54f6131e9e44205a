// `attestry hash` as a command: the digest on a pipe, the --json document, the options, a
// progress bar and summary on a terminal, and errors with a non-zero exit. Most runs go through
// the command in this process (its output captured); a few run the real binary end to end.
import { spawnSync } from 'node:child_process';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import t from 'tap';
import { hashCommand } from '../client-sdk/cli/commands/hash.ts';
import { hashModel } from '../client-sdk/hash/index.ts';
import { buildGoldenModel } from './fixtures/oms-models/golden-models.ts';
import { expectHelp, jsonOutput, runCli, runInProcess } from './support/cli.ts';
import { tempDir } from './support/temp-log.ts';

// Each run of the binary loads all of attestry: room for a busy machine.
t.setTimeout(120_000);
const dir = tempDir(t, 'attestry-oms-cli-');
const sample = buildGoldenModel(dir, 'sample_model_folder');
// The reference's root for sample_model (files, and shards of 1e9: the same digests).
const SAMPLE_ROOT = '143cc682e555951649f18e2761c3d526d2502996f5e32dc187ef7f8a614f8df7';

// Over 8 MiB in several files, so that worker threads hash it and progress shows on its way.
const big = join(dir, 'big-model');
mkdirSync(big);
for (let i = 0; i < 3; i++) writeFileSync(join(big, `w${i}.bin`), Buffer.alloc(4 << 20, i));
const BIG_BYTES = 3 * (4 << 20);

/** Runs `attestry hash <args>` in this process, stdout and stderr each a terminal or not. */
const runHash = (args: string[], terminal: { stdout?: boolean; stderr?: boolean } = {}) =>
  runInProcess(hashCommand, args, terminal);

t.test('the binary: the root digest on a pipe, the JSON document, the exit status', async (t) => {
  const plain = runCli(['hash', sample]);
  t.equal(plain.status, 0, plain.stderr);
  t.equal(plain.stdout, `sha256:${SAMPLE_ROOT}\n`);
  t.equal(plain.stderr, '', 'no progress bar on a pipe');

  const json = runCli(['hash', sample, '--json']);
  t.equal(json.status, 0, json.stderr);
  t.same(jsonOutput(json.stdout), {
    ok: true,
    digest: `sha256:${SAMPLE_ROOT}`,
    manifest: await hashModel(sample),
  });

  const missing = join(dir, 'nope');
  const failed = runCli(['hash', missing]);
  t.equal(failed.status, 1);
  t.equal(failed.stdout, '');
  t.equal(failed.stderr, `hash failed: ${missing} does not exist\n`);

  const usage = runCli(['hash', sample, '--shard-size', 'x']);
  t.not(usage.status, 0);
  t.match(usage.stderr, /a shard size is a whole number of bytes/);
});

t.test('the binary: --help describes the command', async (t) => {
  expectHelp(
    t,
    ['hash', '--help'],
    ['<model>', '--method', '--shard-size', '--ignore-paths', '--allow-symlinks', '--json'],
  );
  t.match(runCli(['--help']).stdout, /hash \[options\] <model>/);
});

t.test(
  'the binary on a terminal: a progress bar, then the digest and a summary',
  { skip: spawnSync('script', ['--version']).status !== 0 && 'needs script(1) for a terminal' },
  async (t) => {
    const bin = resolve(import.meta.dirname, '../client-sdk/cli/bin.ts');
    const quote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`;
    // script(1) runs the command on a pseudo-terminal and copies what it shows to stdout.
    const run = spawnSync(
      'script',
      ['-qec', [process.execPath, bin, 'hash', big].map(quote).join(' '), '/dev/null'],
      { encoding: 'utf8', timeout: 60_000 },
    );
    t.equal(run.status, 0, `exit status (output: ${JSON.stringify(run.stdout)})`);
    t.match(run.stdout, new RegExp(`hash \\[[^\\]]+\\] 100% \\| ${BIG_BYTES}/${BIG_BYTES}`));
    t.match(run.stdout, new RegExp(`\\nsha256:${(await hashModel(big)).rootDigest}\\r?\\n`));
  },
);

t.test('in a pipe: the digest alone; on a terminal: a bar on stderr and a summary', async (t) => {
  const root = (await hashModel(big)).rootDigest;
  t.same(await runHash([big]), { status: 0, stdout: `sha256:${root}\n`, stderr: '' });

  const shown = await runHash([big], { stdout: true, stderr: true });
  t.equal(shown.status, 0);
  t.match(
    shown.stdout,
    new RegExp(
      `^sha256:${root}\\nbig-model: 3 files, ${BIG_BYTES} bytes hashed in \\d+\\.\\d s\\n$`,
    ),
  );
  t.match(shown.stderr, new RegExp(`hash \\[[^\\]]+\\] 100% \\| ${BIG_BYTES}/${BIG_BYTES}`));

  const failed = await runHash([join(dir, 'nope')], { stdout: true, stderr: true });
  t.equal(failed.status, 1);
  t.match(failed.stderr, `hash failed: ${join(dir, 'nope')} does not exist`);
});

t.test('--json: one document, no bar even on a terminal; failures too', async (t) => {
  const run = await runHash([sample, '--json'], { stdout: true, stderr: true });
  t.equal(run.stderr, '');
  t.same(jsonOutput(run.stdout), {
    ok: true,
    digest: `sha256:${SAMPLE_ROOT}`,
    manifest: await hashModel(sample),
  });
  const missing = join(dir, 'nope');
  const failed = await runHash([missing, '--json']);
  t.equal(failed.status, 1);
  t.same(jsonOutput(failed.stdout), {
    ok: false,
    code: 'not-found',
    message: `${missing} does not exist`,
  });
});

t.test('--shard-size selects shards; --method shards alone uses 1e9 bytes', async (t) => {
  const small = jsonOutput((await runHash([sample, '--shard-size', '8', '--json'])).stdout);
  t.same(small.manifest, await hashModel(sample, { method: 'shards', shardSize: 8 }));
  const explicit = await runHash([sample, '--method', 'shards', '--shard-size', '8', '--json']);
  t.same(jsonOutput(explicit.stdout), small);
  const large = jsonOutput((await runHash([sample, '--method', 'shards', '--json'])).stdout);
  t.same(large.manifest, await hashModel(sample, { method: 'shards' }));
  t.equal(large.digest, `sha256:${SAMPLE_ROOT}`);
});

t.test('--ignore-paths and --allow-symlinks', async (t) => {
  const root = join(dir, 'with-extras');
  mkdirSync(join(root, 'cache'), { recursive: true });
  writeFileSync(join(root, 'weights.bin'), 'w');
  writeFileSync(join(root, 'cache/tmp'), 't');
  writeFileSync(join(root, 'notes.txt'), 'n');
  symlinkSync('weights.bin', join(root, 'alias.bin'));

  t.same(await runHash([root]), {
    status: 1,
    stdout: '',
    stderr:
      'hash failed: alias.bin is a symbolic link; symbolic links are refused unless allowed\n',
  });
  const run = await runHash([
    root,
    '--allow-symlinks',
    '--ignore-paths',
    join(root, 'cache'),
    '--json',
    '--ignore-paths',
    join(root, 'notes.txt'),
  ]);
  t.equal(run.status, 0, run.stderr);
  t.same(
    jsonOutput(run.stdout).manifest,
    await hashModel(root, { allowSymlinks: true, ignorePaths: ['cache', 'notes.txt'] }),
  );
});

t.test('bad options: a message and a non-zero exit, nothing hashed', async (t) => {
  for (const [args, message] of [
    [['--shard-size', '0'], /a shard size is a whole number of bytes, at least 1/],
    [['--shard-size', '12abc'], /a shard size is a whole number of bytes/],
    [['--shard-size', '9007199254740993'], /a shard size is a whole number of bytes/],
    [['--method', 'zip'], /Allowed choices are files, shards/],
    [['--method', 'files', '--shard-size', '8'], /--shard-size applies to --method shards only/],
  ] as const) {
    const run = await runHash([sample, ...args]);
    t.not(run.status, 0, args.join(' '));
    t.match(run.stderr, message);
    t.equal(run.stdout, '');
  }
  const noModel = await runHash([]);
  t.not(noModel.status, 0);
  t.match(noModel.stderr, /missing required argument 'model'/);
});
