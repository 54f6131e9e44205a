import { Command } from 'commander';
import { auditCommand } from './commands/audit.ts';
import { serverCommand } from './commands/server.ts';

export function buildProgram(): Command {
  return new Command('attestry')
    .description('A transparency log and signing toolkit for the AI supply chain.')
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(serverCommand())
    .addCommand(auditCommand());
}
