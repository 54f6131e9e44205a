import { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import { attestCommand } from './commands/attest.ts';
import { auditCommand } from './commands/audit.ts';
import { bomCommand } from './commands/bom.ts';
import { hashCommand } from './commands/hash.ts';
import { keygenCommand } from './commands/keygen.ts';
import { logCommand } from './commands/log.ts';
import { omsAdapterCommand } from './commands/oms-adapter.ts';
import { publishCommand } from './commands/publish.ts';
import { serverCommand } from './commands/server.ts';
import { signCommand } from './commands/sign.ts';
import { tokenCommand } from './commands/token.ts';
import { verifyCommand } from './commands/verify.ts';

export function buildProgram(): Command {
  return new Command('attestry')
    .description('A transparency log and signing toolkit for the AI supply chain.')
    .version(pkg.version)
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(serverCommand())
    .addCommand(auditCommand())
    .addCommand(hashCommand())
    .addCommand(tokenCommand())
    .addCommand(logCommand())
    .addCommand(keygenCommand())
    .addCommand(signCommand())
    .addCommand(publishCommand())
    .addCommand(attestCommand())
    .addCommand(verifyCommand())
    .addCommand(bomCommand())
    .addCommand(omsAdapterCommand());
}
