// `attestry log`: reads a log over HTTP and prints only what verifies, every answer checked by
// the LogClient against the log's note key (pinned with --log-key, else the one it announces).
import { createPublicKey } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { Command } from 'commander';
import { fromUtf8, toBase64, toHex } from '../../../server/log/encoding.ts';
import { LogError } from '../../../server/log/errors.ts';
import { LogClient, type LogKeys, type VerifiedCheckpoint } from '../../log-client/log-client.ts';
import { treeRootFromTiles } from '../../verify/log-evidence-tree-root.ts';
import { parseCount, parseLogKey, parseLogUrl } from '../options.ts';

interface LogOptions {
  log: string;
  logKey?: string;
  json?: boolean;
}

interface OpenedLog {
  client: LogClient;
  /** What the log announces (not verified: nothing to verify them with). */
  keys: LogKeys;
  keyPinned: boolean;
  /** The latest checkpoint, verified. */
  latest: VerifiedCheckpoint;
}

/** What a command found: one JSON document, or lines for a person. */
interface Report {
  json: Record<string, unknown>;
  text: string[];
}

export function logCommand(): Command {
  return new Command('log')
    .description(
      'Read a transparency log and verify what it answers: its checkpoint, entries and proofs.',
    )
    .addCommand(
      readCommand(
        'info',
        "The log's origin, its latest checkpoint (size and root, signature verified) and its keys.",
      ).action((options: LogOptions) => run(options, info)),
    )
    .addCommand(
      readCommand(
        'entry',
        'An entry, its envelope and its inclusion proof in the latest checkpoint, all verified.',
      )
        .argument('<index>', "the entry's index in the log", parseCount)
        .action((index: number, options: LogOptions) => run(options, (log) => entry(log, index))),
    )
    .addCommand(
      readCommand(
        'inclusion',
        'The proof that an entry is in the tree of a given size, verified against the signed checkpoint.',
      )
        .argument('<index>', "the entry's index in the log", parseCount)
        .option('--size <n>', 'tree size to prove the entry in (default: the latest)', parseCount)
        .action((index: number, options: LogOptions & { size?: number }) =>
          run(options, (log) => inclusion(log, index, options.size)),
        ),
    )
    .addCommand(
      readCommand(
        'consistency',
        'The proof that the tree of one size is a prefix of the tree of a larger size: the log did not rewrite its history in between.',
      )
        .requiredOption('--from <n>', 'size of the older tree', parseCount)
        .option('--to <n>', 'size of the newer tree (default: the latest)', parseCount)
        .action((options: LogOptions & { from: number; to?: number }) =>
          run(options, (log) => consistency(log, options.from, options.to)),
        ),
    )
    .addCommand(
      readCommand(
        'trusted-root',
        "The log's Sigstore trusted root, for @sigstore/verify, cosign and `attestry verify --trusted-root`; checked to list the ECDSA key the log's note key states as its own.",
      )
        .option('--out <file>', 'write it to this file (default: print it)')
        .action((options: LogOptions & { out?: string }) =>
          run(options, (log) => trustedRoot(log, options.out)),
        ),
    );
}

function readCommand(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .requiredOption('--log <url>', 'URL of the log', parseLogUrl)
    .option(
      '--log-key <key>',
      "the log's C2SP note verifier key, or its note.pub file, to pin (default: the key the log announces, which only shows that the log agrees with itself)",
      parseLogKey,
    )
    .option('--json', 'print one JSON document');
}

/** Runs a command; a failure to verify or to reach the log is a message and exit status 1. */
async function run(
  options: LogOptions,
  command: (log: OpenedLog) => Promise<Report>,
): Promise<void> {
  try {
    const keys = await LogClient.fetchKeys(options.log);
    const client = new LogClient({
      url: options.log,
      noteVerifierKey: options.logKey ?? keys.noteVerifierKey,
    });
    const keyPinned = options.logKey !== undefined;
    const latest = await client.checkpoint();
    const report = await command({
      client,
      keys,
      keyPinned,
      latest,
    });
    console.log(
      options.json
        ? JSON.stringify({ ok: true, ...report.json, keyPinned })
        : [
            ...report.text,
            `checked with ${keyPinned ? 'the pinned key' : 'the key the log announces (not pinned: pass --log-key)'}`,
          ].join('\n'),
    );
  } catch (error) {
    if (!(error instanceof LogError)) throw error;
    if (options.json) {
      console.log(JSON.stringify({ ok: false, code: error.code, message: error.message }));
    } else {
      console.error(`attestry log: ${error.message}`);
    }
    process.exitCode = 1;
  }
}

const label = (name: string, value: string | number) => `${name.padEnd(12)}${value}`;

/** Text as it is when it is printable UTF-8, else base64: a log's bytes never reach a terminal raw. */
function printable(bytes: Uint8Array): string {
  const text = fromUtf8(bytes);
  return text !== undefined && !/\p{Cc}/u.test(text) ? text : `(base64) ${toBase64(bytes)}`;
}

function treeJson(tree: VerifiedCheckpoint) {
  return { size: tree.size, rootHash: toHex(tree.rootHash) };
}

function checkpointJson(checkpoint: VerifiedCheckpoint) {
  return { ...treeJson(checkpoint), note: checkpoint.note };
}

function proofLines(hashes: string[]): string[] {
  if (hashes.length === 0) return [label('proof', '(empty: nothing to prove)')];
  return hashes.map((hash, i) => label(i === 0 ? 'proof' : '', hash));
}

async function info({ keys, keyPinned, latest, client }: OpenedLog): Promise<Report> {
  // The checkpoint verified under the pinned key; the announced one may differ (and is shown).
  const noteKey = client.noteVerifierKey;
  // The ECDSA key its key statement names, signed by that note key.
  const { spki, logId } = await client.ecdsaKey();
  const ecdsaPublicKey = createPublicKey({ key: Buffer.from(spki), format: 'der', type: 'spki' })
    .export({ type: 'spki', format: 'pem' })
    .toString();
  return {
    json: {
      origin: latest.origin,
      ...checkpointJson(latest),
      keys: { origin: keys.origin, noteVerifierKey: noteKey, ecdsaPublicKey, logId },
      ...(keys.noteVerifierKey !== noteKey && { announcedNoteVerifierKey: keys.noteVerifierKey }),
    },
    text: [
      label('origin', latest.origin),
      label('size', latest.size),
      label('root', toHex(latest.rootHash)),
      label('note key', `${noteKey}${keyPinned ? ' (pinned)' : ' (announced by the log)'}`),
      ...(keyPinned && keys.noteVerifierKey !== noteKey
        ? [label('announced', `${keys.noteVerifierKey} (differs from the pinned key)`)]
        : []),
      label('log ID', logId),
      'ECDSA key (stated by the note key)',
      ecdsaPublicKey.trimEnd(),
    ],
  };
}

async function entry({ client }: OpenedLog, index: number): Promise<Report> {
  const fetched = await client.entry(index);
  const { checkpoint, hashes } = fetched.inclusion;
  return {
    json: {
      logIndex: index,
      integratedTime: fetched.integratedTime,
      canonicalizedBody: toBase64(fetched.canonicalizedBody),
      ...(fetched.envelope && { envelope: toBase64(fetched.envelope) }),
      verifier: fetched.verifier,
      inclusionProof: { ...treeJson(checkpoint), hashes: hashes.map(toHex) },
      signed: checkpointJson(checkpoint),
    },
    text: [
      label('entry', index),
      label('integrated', new Date(fetched.integratedTime * 1000).toISOString()),
      label('body', printable(fetched.canonicalizedBody)),
      label(
        'envelope',
        fetched.envelope
          ? `${fetched.envelope.length} bytes, the envelope the body commits to`
          : 'none stored',
      ),
      label('verified', `included in the signed checkpoint of size ${checkpoint.size}`),
    ],
  };
}

async function inclusion(log: OpenedLog, index: number, size = log.latest.size): Promise<Report> {
  checkSize(size, log.latest);
  if (index >= size) {
    throw new LogError('index-out-of-range', `entry ${index} is not in the tree of size ${size}`);
  }
  const { canonicalizedBody } = await log.client.entry(index);
  const tree = await provenTree(log, size);
  const hashes = (await log.client.proveInclusion(index, canonicalizedBody, tree)).hashes.map(
    toHex,
  );
  return {
    json: { logIndex: index, ...treeJson(tree), hashes, signed: checkpointJson(log.latest) },
    text: [
      label('entry', index),
      label('tree size', size),
      label('root', toHex(tree.rootHash)),
      ...proofLines(hashes),
      label('verified', provenBy(log, size)),
    ],
  };
}

async function consistency(log: OpenedLog, from: number, toGiven?: number): Promise<Report> {
  const to = toGiven ?? log.latest.size;
  checkSize(to, log.latest);
  if (from > to) {
    throw new LogError(
      'sizes-out-of-order',
      toGiven === undefined
        ? `--from ${from} is larger than the log, whose latest checkpoint has size ${to}`
        : `--from ${from} is larger than --to ${to}`,
    );
  }
  const newer = await provenTree(log, to);
  // The older root comes from the tiles; the consistency proof to the newer tree proves it.
  const older = { ...newer, size: from, rootHash: await treeRootFromTiles(log.client, from) };
  const hashes = (await log.client.proveConsistency(older, newer)).map(toHex);
  return {
    json: {
      from: treeJson(older),
      to: treeJson(newer),
      hashes,
      signed: checkpointJson(log.latest),
    },
    text: [
      label('from', `size ${from}, root ${toHex(older.rootHash)}`),
      label('to', `size ${to}, root ${toHex(newer.rootHash)}`),
      ...proofLines(hashes),
      label('verified', provenBy(log, to)),
    ],
  };
}

function provenBy(log: OpenedLog, size: number): string {
  return size === log.latest.size
    ? `against the signed checkpoint of size ${size}`
    : `against the signed checkpoint of size ${log.latest.size}, which extends this tree (consistency proof verified)`;
}

function checkSize(size: number, latest: VerifiedCheckpoint): void {
  if (size > latest.size) {
    throw new LogError(
      'size-beyond-log',
      `the log's latest checkpoint has size ${latest.size}: it has no tree of size ${size}`,
    );
  }
}

/**
 * The tree of `size` entries: the latest checkpoint, or an earlier tree whose root (from the
 * tiles) is proven by a consistency proof to it. An earlier tree has no signature of its own:
 * its `note` is the signed checkpoint that vouches for it.
 */
async function provenTree(log: OpenedLog, size: number): Promise<VerifiedCheckpoint> {
  if (size === log.latest.size) return log.latest;
  const tree = { ...log.latest, size, rootHash: await treeRootFromTiles(log.client, size) };
  await log.client.proveConsistency(tree, log.latest);
  return tree;
}

async function trustedRoot({ client }: OpenedLog, out?: string): Promise<Report> {
  const root = await client.trustedRoot();
  const text = `${JSON.stringify(root, null, 2)}\n`;
  if (out === undefined) return { json: { trustedRoot: root }, text: [text.trimEnd()] };
  writeFileSync(out, text);
  return {
    json: { trustedRoot: root, out },
    text: [
      label('written', out),
      label('verified', "its log key is the one the log's note key states"),
    ],
  };
}
