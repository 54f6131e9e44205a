// `attestry bom` as a command, run as the real binary: the document printed or written, the one
// JSON document of --json, the formats and versions, errors with exit status 1, and its help.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import t from 'tap';
import { bomCommand } from '../client-sdk/cli/commands/bom.ts';
import { hashModel } from '../client-sdk/hash/index.ts';
import { buildBomModel } from './fixtures/bom-model.ts';
import { cycloneDxValidator, errorsOf, spdxValidator } from './support/bom-schemas.ts';
import { expectHelp, jsonOutput, runCli, runInProcess } from './support/cli.ts';
import { tempDir } from './support/temp-log.ts';

// Each run of the binary loads all of attestry: room for a busy machine.
t.setTimeout(180_000);
const dir = tempDir(t, 'attestry-bom-cli-');
const model = buildBomModel(dir);
const root = (await hashModel(model)).rootDigest;

/** Runs `attestry bom <args>` in this process, stderr a terminal or not. */
const runBom = (args: string[], terminal = false) =>
  runInProcess(bomCommand, args, { stderr: terminal });

t.test('on a terminal: a progress bar while hashing, then the summary', async (t) => {
  const out = join(dir, 'terminal.spdx.json');
  const run = await runBom([model, '--format', 'spdx', '--out', out], true);
  t.equal(run.status, 0, run.stderr);
  t.match(run.stderr, /hashing \[/, 'the progress bar');
  t.equal(
    run.stdout,
    `wrote the SPDX 3.0.1 AI-BOM of tiny-llama (4 files, root sha256:${root}): ${out}\n`,
  );
  const failed = await runBom([join(dir, 'nothing-here')], true);
  t.equal(failed.status, 1);
  t.match(failed.stderr, /attestry bom: .*nothing-here/);
  t.equal(failed.stdout, '');
});

t.test('--out writes the CycloneDX 1.6 document and says so', async (t) => {
  const out = join(dir, 'model.cdx.json');
  const cli = runCli(['bom', model, '--out', out]);
  t.equal(cli.status, 0, cli.stderr);
  t.equal(
    cli.stdout,
    `wrote the CycloneDX 1.6 AI-BOM of tiny-llama (4 files, root sha256:${root}): ${out}\n`,
  );
  const text = readFileSync(out, 'utf8');
  t.ok(text.endsWith('}\n'), 'indented JSON and a final newline');
  const bom = JSON.parse(text);
  t.equal(bom.specVersion, '1.6');
  t.equal(bom.metadata.component.hashes[0].content, root);
  const validate = cycloneDxValidator('1.6');
  t.ok(validate(bom), errorsOf(validate));
});

t.test('--json with --out: one JSON document, the SPDX file written', async (t) => {
  const out = join(dir, 'model.spdx.json');
  const cli = runCli(['bom', model, '--format', 'spdx', '--out', out, '--json']);
  t.equal(cli.status, 0, cli.stderr);
  t.same(jsonOutput(cli.stdout), {
    ok: true,
    format: 'spdx',
    specVersion: '3.0.1',
    name: 'tiny-llama',
    rootDigest: root,
    files: 4,
    out,
  });
  const bom = JSON.parse(readFileSync(out, 'utf8'));
  t.equal(bom['@context'], 'https://spdx.org/rdf/3.0.1/spdx-context.jsonld');
  const validate = spdxValidator();
  t.ok(validate(bom), errorsOf(validate));
});

t.test('without --out: the document on stdout, or inside the --json summary', async (t) => {
  const plain = runCli(['bom', model, '--spec-version', '1.7']);
  t.equal(plain.status, 0, plain.stderr);
  const bom = JSON.parse(plain.stdout);
  t.equal(bom.specVersion, '1.7');
  const validate = cycloneDxValidator('1.7');
  t.ok(validate(bom), errorsOf(validate));
  t.equal(plain.stderr, '', 'no progress bar on a pipe');

  const json = runCli(['bom', model, '--json']);
  t.equal(json.status, 0, json.stderr);
  const summary = jsonOutput(json.stdout);
  t.match(summary, { ok: true, format: 'cyclonedx', specVersion: '1.6', rootDigest: root });
  t.equal(summary.bom.bomFormat, 'CycloneDX');
  t.equal(
    summary.bom.metadata.component.modelCard.modelParameters.modelArchitecture,
    'LlamaForCausalLM',
  );
});

t.test('a BOM written inside the model is no part of its digest', async (t) => {
  const out = join(model, 'bom.json');
  for (let run = 0; run < 2; run++) {
    const cli = runCli(['bom', model, '--out', out, '--json']);
    t.equal(cli.status, 0, cli.stderr);
    t.equal(jsonOutput(cli.stdout).rootDigest, root, `run ${run + 1}: the signed digest`);
  }
  const ignored = runCli(['bom', model, '--ignore-paths', join(model, 'README.md'), '--json']);
  const summary = jsonOutput(ignored.stdout);
  t.equal(summary.files, 4, 'bom.json and README.md left out');
  t.notOk('licenses' in summary.bom.metadata.component, 'the card is not read');
});

t.test('failures: exit 1, one line or one JSON document', async (t) => {
  const broken = buildBomModel(dir, 'broken');
  writeFileSync(
    join(broken, 'model-00002-of-00002.safetensors'),
    Buffer.from([200, 0, 0, 0, 0, 0, 0, 0, 123]),
  );
  const plain = runCli(['bom', broken]);
  t.equal(plain.status, 1);
  t.equal(plain.stdout, '');
  t.match(
    plain.stderr,
    /^attestry bom: .*model-00002-of-00002\.safetensors: header of 200 bytes runs past the end of the 9-byte file\n$/,
  );
  const json = runCli(['bom', broken, '--json']);
  t.equal(json.status, 1);
  t.match(jsonOutput(json.stdout), { ok: false, code: 'safetensors-truncated' });

  const missing = runCli(['bom', join(dir, 'no-such-model'), '--json']);
  t.equal(missing.status, 1);
  t.match(jsonOutput(missing.stdout), { ok: false, code: 'not-found' });

  const unwritable = runCli(['bom', model, '--out', join(dir, 'no-dir', 'bom.json'), '--json']);
  t.equal(unwritable.status, 1);
  t.match(jsonOutput(unwritable.stdout), { ok: false, code: 'unwritable-file' });

  const mixed = runCli(['bom', model, '--format', 'spdx', '--spec-version', '1.7']);
  t.equal(mixed.status, 1);
  t.match(mixed.stderr, /--spec-version applies to --format cyclonedx only/);
  const format = runCli(['bom', model, '--format', 'xml']);
  t.equal(format.status, 1);
  t.match(format.stderr, /argument 'xml' is invalid. Allowed choices are cyclonedx, spdx/);
  const version = runCli(['bom', model, '--spec-version', '1.5']);
  t.equal(version.status, 1);
  t.match(version.stderr, /Allowed choices are 1\.6, 1\.7/);
});

t.test('help', async (t) => {
  expectHelp(
    t,
    ['bom', '--help'],
    [
      /Usage: attestry bom \[options\] <model>/,
      /--format <format>[\s\S]*\(choices: "cyclonedx", "spdx",\s+default: "cyclonedx"\)/,
      /--spec-version <version>[\s\S]*\(choices: "1\.6", "1\.7"\)/,
      '--out <file>',
      '--ignore-paths <path>',
      '--allow-symlinks',
      '--json',
      'attestry bom ./model --format spdx --out model.spdx.json --json',
      'The model is hashed as `attestry sign` hashes it',
    ],
  );
  expectHelp(t, ['--help'], [/bom \[options\] <model>\s+Write a model's AI-BOM/]);
});
