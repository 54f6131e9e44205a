import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Test } from 'tap';

const BIN = resolve(import.meta.dirname, '../../client-sdk/cli/bin.ts');

/** Runs the attestry command with the Node running the tests. */
export function runCli(args: string[], options: { input?: string } = {}) {
  const result = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    input: options.input,
    timeout: 60_000,
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** The one JSON document a --json run printed: exactly one line, or the test fails. */
export function jsonOutput(stdout: string) {
  const lines = stdout.split('\n');
  if (lines.length !== 2 || lines[1] !== '') throw new Error(`not one JSON line: ${stdout}`);
  return JSON.parse(lines[0]);
}

/** Runs a help command: it exits 0 and its text shows every one of `shown`. */
export function expectHelp(t: Test, args: string[], shown: (string | RegExp)[]) {
  const cli = runCli(args);
  t.equal(cli.status, 0, cli.stderr);
  for (const text of shown) t.match(cli.stdout, text);
  return cli;
}
