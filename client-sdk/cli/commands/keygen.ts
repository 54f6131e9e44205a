import { Command, Option } from 'commander';
import { parsePublicKeyPem } from '../../../server/entries/signer-key.ts';
import { KEY_TYPES, writeKeyPair } from '../../keys/key-pair.ts';
import { reportFailure } from '../report-failure.ts';

export function keygenCommand(): Command {
  return new Command('keygen')
    .description(
      'Make a signing key pair: a PEM private key readable by you only, and the PEM public key to give to verifiers. Existing keys are never overwritten.',
    )
    .requiredOption('--out <dir>', 'directory to write private-key.pem and public-key.pem into')
    .addOption(
      new Option(
        '--type <type>',
        'key type (ECDSA keys sign models; OpenSSF Model Signing takes no Ed25519)',
      )
        .choices(KEY_TYPES)
        .default('ecdsa-p256'),
    )
    .option('--json', 'print one JSON document')
    .addHelpText(
      'after',
      `
Example:
  attestry keygen --out keys/
  attestry sign ./model --key keys/private-key.pem`,
    )
    .action((options: { out: string; type: string; json?: boolean }) => {
      const json = options.json === true;
      try {
        const written = writeKeyPair(options.out, options.type);
        // What logs, grants and --signer call this key.
        const { identity } = parsePublicKeyPem(written.publicKeyPem);
        if (json) {
          console.log(JSON.stringify({ ok: true, ...written, identity }));
          return;
        }
        console.log(`private key (keep it secret): ${written.privateKeyPath}`);
        console.log(`public key (give it to verifiers): ${written.publicKeyPath}`);
        console.log(`identity (logs and grants name the key so): ${identity}`);
      } catch (error) {
        reportFailure('keygen', error, json);
      }
    });
}
