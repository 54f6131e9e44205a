import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import type { Command } from 'commander';
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

/**
 * Runs the command `command()` builds with `args` in this process: what it prints through
 * console, process.stderr and commander captured, stdout and stderr made to look like a terminal
 * or not (`terminal`, default neither). Returns what the binary's exit status would be.
 */
export async function runInProcess(
  command: () => Command,
  args: string[],
  terminal: { stdout?: boolean; stderr?: boolean } = {},
) {
  let stdout = '';
  let stderr = '';
  const saved = {
    log: console.log,
    error: console.error,
    write: process.stderr.write,
    stdoutTTY: process.stdout.isTTY,
    stderrTTY: process.stderr.isTTY,
  };
  console.log = (...parts: unknown[]) => {
    stdout += `${parts.join(' ')}\n`;
  };
  console.error = (...parts: unknown[]) => {
    stderr += `${parts.join(' ')}\n`;
  };
  // Progress bars write to process.stderr directly.
  process.stderr.write = ((chunk: string) => {
    stderr += chunk;
    return true;
  }) as typeof process.stderr.write;
  process.stdout.isTTY = terminal.stdout ?? false;
  process.stderr.isTTY = terminal.stderr ?? false;
  let status = 0;
  try {
    await command()
      .exitOverride()
      .configureOutput({
        writeOut: (text) => {
          stdout += text;
        },
        writeErr: (text) => {
          stderr += text;
        },
      })
      .parseAsync(args, { from: 'user' });
    status = process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (error) {
    // exitOverride: commander throws where the binary would exit, with the status it would have.
    status = (error as { exitCode: number }).exitCode;
  } finally {
    Object.assign(console, { log: saved.log, error: saved.error });
    process.stderr.write = saved.write;
    process.stdout.isTTY = saved.stdoutTTY;
    process.stderr.isTTY = saved.stderrTTY;
    process.exitCode = undefined;
  }
  return { status, stdout, stderr };
}
