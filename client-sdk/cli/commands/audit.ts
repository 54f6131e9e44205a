import { Command } from 'commander';
import { defaultKeysDir } from '../../../server/defaults.ts';
import { NOTE_VERIFIER_FILE, readNoteVerifierKey } from '../../../server/keys.ts';
import { auditLog } from '../../../server/log/audit.ts';
import { toHex } from '../../../server/log/encoding.ts';
import { LogError } from '../../../server/log/errors.ts';
import { parseVerifierKey } from '../../../server/log/note-keys.ts';
import { openSqliteStorage } from '../../../server/storage/sqlite-storage.ts';
import { progressBar } from '../progress.ts';

export function auditCommand(): Command {
  return new Command('audit')
    .description(
      'Re-derive every tile and root of a log database from its entries, and check every checkpoint signature and the consistency of each checkpoint with the next.',
    )
    .requiredOption('--db <file>', 'SQLite database file of the log')
    .option(
      '--keys <dir>',
      `directory holding the log's ${NOTE_VERIFIER_FILE} (default: keys/ beside the database)`,
    )
    .option('--json', 'print one JSON document')
    .action((options) => {
      const keysDir: string = options.keys ?? defaultKeysDir(options.db);
      try {
        const verifier = parseVerifierKey(readNoteVerifierKey(keysDir));
        const storage = openSqliteStorage(options.db, { readonly: true });
        const bar = options.json ? undefined : progressBar('audit');
        try {
          const report = auditLog({
            storage,
            verifier,
            onProgress: (done, total) => bar?.update(done, total),
          });
          bar?.stop();
          const summary = {
            ok: true,
            entries: report.entries,
            tiles: report.tiles,
            checkpoints: report.checkpoints,
            root: toHex(report.root),
          };
          console.log(
            options.json
              ? JSON.stringify(summary)
              : `audit passed: ${report.entries} entries, ${report.tiles} tiles, ${report.checkpoints} checkpoints, root ${summary.root}`,
          );
        } finally {
          bar?.stop();
          storage.close();
        }
      } catch (error) {
        if (!(error instanceof LogError)) throw error;
        const failure = {
          ok: false,
          code: error.code,
          subject: (error as { subject?: string }).subject,
          message: error.message,
        };
        if (options.json) console.log(JSON.stringify(failure));
        else console.error(`audit failed: ${error.message}`);
        process.exitCode = 1;
      }
    });
}
