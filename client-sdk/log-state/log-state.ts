// The last checkpoint this machine saw of each log, so that a later answer from the log can be
// checked to extend it: a log that shows different histories to different times (a fork) is
// caught by the first client that saw both. One file per origin in the directory given, named
// after its SHA-256 (as C2SP witnesses name theirs), holding the signed checkpoint note verbatim;
// verify gives each log key a directory of its own (client-sdk/verify/log-evidence.ts).
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { openCheckpoint } from '../../server/log/checkpoint.ts';
import { toHex, utf8 } from '../../server/log/encoding.ts';
import { sha256 } from '../../server/log/hash.ts';
import type { NoteVerifier } from '../../server/log/note-keys.ts';
import type { VerifiedCheckpoint } from '../log-client/log-client.ts';
import { writeFileAtomically } from './atomic-write.ts';
import { LogStateError } from './log-state-error.ts';

export interface LogState {
  /** The file that holds the checkpoint. */
  readonly file: string;
  /** The last checkpoint seen of the log, verified with its key; undefined before the first. */
  load(): Promise<VerifiedCheckpoint | undefined>;
  /**
   * Keeps `checkpoint`, which the caller has proven consistent with the stored one, if it is
   * larger: the state never moves back, even when another verifier advanced it meanwhile.
   */
  advance(checkpoint: VerifiedCheckpoint): Promise<void>;
}

/** `$XDG_CONFIG_HOME/attestry`, else `~/.config/attestry` (XDG ignores a relative value). */
export function defaultStateDir(
  env: NodeJS.ProcessEnv = process.env,
  home: string = homedir(),
): string {
  const config = env.XDG_CONFIG_HOME;
  return join(config && isAbsolute(config) ? config : join(home, '.config'), 'attestry');
}

/** The state of the log whose checkpoints `verifier` verifies (its key name is the origin). */
export function logState(verifier: NoteVerifier, dir: string = defaultStateDir()): LogState {
  const origin = verifier.name;
  const file = join(dir, 'checkpoints', toHex(sha256(utf8(origin))));

  const load = async (): Promise<VerifiedCheckpoint | undefined> => {
    let note: string;
    try {
      note = await readFile(file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new LogStateError(
        'bad-log-state',
        file,
        `cannot read the checkpoint kept of ${origin} in ${file}: ${(error as Error).message}`,
        { cause: error },
      );
    }
    try {
      const { checkpoint } = openCheckpoint(note, [verifier], origin);
      return { origin, size: checkpoint.size, rootHash: checkpoint.rootHash, note };
    } catch (error) {
      throw new LogStateError(
        'bad-log-state',
        file,
        `the checkpoint kept of ${origin} in ${file} is damaged or not signed by the pinned key (${(error as Error).message}); delete that file to start again from the log's next checkpoint`,
        { cause: error },
      );
    }
  };

  return {
    file,
    load,
    async advance(checkpoint) {
      // Read again just before writing: a verifier running alongside may have gone further.
      const stored = await load();
      if (stored !== undefined && stored.size >= checkpoint.size) return;
      try {
        await writeFileAtomically(file, checkpoint.note);
      } catch (error) {
        throw new LogStateError(
          'log-state-unwritable',
          file,
          `cannot keep the checkpoint of ${origin} in ${file}: ${(error as Error).message}`,
          { cause: error },
        );
      }
    },
  };
}
