import { resolve } from 'node:path';
import { Command, Option } from 'commander';
import { DEFAULT_SHARD_SIZE, type HashError, hashModel } from '../../hash/index.ts';
import { collect, parseShardSize } from '../options.ts';
import { progressBar } from '../progress.ts';

export function hashCommand(): Command {
  return new Command('hash')
    .description(
      'Hash a model directory or file as OpenSSF Model Signing (OMS) does, and print its root digest.',
    )
    .argument('<model>', 'model directory or file')
    .addOption(
      new Option('--method <method>', 'serialization: one digest per file, or per shard of a file')
        .choices(['files', 'shards'])
        .default('files', 'files, or shards when --shard-size is given'),
    )
    .option(
      '--shard-size <bytes>',
      `shard size for --method shards (default ${DEFAULT_SHARD_SIZE})`,
      parseShardSize,
    )
    .option(
      '--ignore-paths <path>',
      'leave out this file or directory, as sign and verify do (repeatable; .git, .gitattributes, .github and .gitignore are always left out)',
      collect,
    )
    .option('--allow-symlinks', 'follow symbolic links inside the model (refused by default)')
    .option('--json', 'print one JSON document: the root digest and the whole manifest')
    .action(async (model: string, options, command: Command) => {
      const methodGiven = command.getOptionValueSource('method') === 'cli';
      if (methodGiven && options.method === 'files' && options.shardSize !== undefined) {
        command.error('error: --shard-size applies to --method shards only');
      }
      const bar = options.json ? undefined : progressBar('hash');
      let bytes = 0;
      const started = performance.now();
      try {
        const manifest = await hashModel(model, {
          method: options.shardSize === undefined ? options.method : 'shards',
          shardSize: options.shardSize,
          // Paths from the working directory, as `sign` and `verify` take them.
          ignorePaths: options.ignorePaths?.map((path: string) => resolve(path)),
          allowSymlinks: options.allowSymlinks,
          onProgress: (done, total) => {
            bytes = total;
            bar?.update(done, total);
          },
        });
        bar?.stop();
        const digest = `sha256:${manifest.rootDigest}`;
        if (options.json) {
          console.log(JSON.stringify({ ok: true, digest, manifest }));
          return;
        }
        console.log(digest);
        if (process.stdout.isTTY) {
          const seconds = ((performance.now() - started) / 1000).toFixed(1);
          console.log(
            `${manifest.modelName}: ${manifest.resources.length} ${manifest.serialization.method}, ${bytes} bytes hashed in ${seconds} s`,
          );
        }
      } catch (error) {
        bar?.stop();
        // hashModel fails with a HashError; were anything else to come, it is reported alike.
        const { code, message } = error as HashError;
        if (options.json) console.log(JSON.stringify({ ok: false, code, message }));
        else console.error(`hash failed: ${message}`);
        process.exitCode = 1;
      }
    });
}
