// Shared pieces of the property-based fuzz tests (test/fuzz-*.test.ts): the run count, a runner
// that reports through tap, and fast-check arbitraries that mix purely random input with
// mutations of valid samples (strings, bytes, base64 and JSON trees), so that generated inputs
// get past the first checks of a parser and reach its deep code.
import fc from 'fast-check';
import type { Test } from 'tap';
import { fromBase64, toBase64 } from '../../server/log/encoding.ts';

/** Generated inputs per target: FUZZ_RUNS (npm run fuzz sets more), 10,000 by default. */
export const RUNS = runCount(process.env.FUZZ_RUNS);

/** FUZZ_SEED replays a failure that fast-check reported (with its seed and path). */
export const SEED = process.env.FUZZ_SEED === undefined ? undefined : Number(process.env.FUZZ_SEED);

function runCount(text: string | undefined): number {
  if (text === undefined || text === '') return 10_000;
  const runs = Number(text);
  if (!Number.isSafeInteger(runs) || runs < 1) {
    throw new Error(`FUZZ_RUNS must be a positive integer, not ${JSON.stringify(text)}`);
  }
  return runs;
}

/**
 * Runs `property` RUNS times (or `options.runs`), `options.examples` first, and reports the
 * outcome as one tap assertion; a failure carries fast-check's report (the shrunk counterexample,
 * its seed and path) and the property's own error.
 */
export async function fuzz<Ts>(
  t: Test,
  name: string,
  property: fc.IRawProperty<Ts>,
  options: { runs?: number; examples?: Ts[] } = {},
): Promise<void> {
  const runs = options.runs ?? RUNS;
  const started = performance.now();
  try {
    await fc.assert(property, {
      numRuns: runs,
      examples: options.examples,
      ...(SEED !== undefined && { seed: SEED }),
    });
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    t.pass(`${name}: ${runs} generated inputs (${seconds} s)`);
  } catch (error) {
    // fast-check 4 gives the property's own error as the cause.
    const cause = (error as Error).cause;
    const detail = cause instanceof Error ? `\n${cause.stack ?? cause.message}` : '';
    t.fail(`${name}: ${(error as Error).message}${detail}`);
  }
}

type ErrorClass = abstract new (...args: never[]) => Error;

/** What a call did: returned, or threw one of the allowed error classes. */
export type Outcome<T> = { ok: true; value: T } | { ok: false; error: Error & { code?: string } };

/**
 * Calls `fn`; an error of one of `allowed` is an outcome, anything else (TypeError, RangeError,
 * a plain Error, a thrown non-error) is rethrown to fail the property.
 */
export function outcome<T>(fn: () => T, allowed: readonly ErrorClass[]): Outcome<T> {
  try {
    return { ok: true, value: fn() };
  } catch (error) {
    return typedFailure(error, allowed);
  }
}

export async function outcomeAsync<T>(
  fn: () => Promise<T>,
  allowed: readonly ErrorClass[],
): Promise<Outcome<T>> {
  try {
    return { ok: true, value: await fn() };
  } catch (error) {
    return typedFailure(error, allowed);
  }
}

function typedFailure(error: unknown, allowed: readonly ErrorClass[]): Outcome<never> {
  if (allowed.some((kind) => error instanceof kind)) {
    return { ok: false, error: error as Error };
  }
  const described = error instanceof Error ? (error.stack ?? String(error)) : String(error);
  throw new Error(`untyped error: ${described}`, { cause: error });
}

/** Counts outcomes per target, to show the fuzzing reached past the first checks. */
export class Tally {
  ok = 0;
  readonly codes = new Map<string, number>();

  record(result: Outcome<unknown>): void {
    if (result.ok) {
      this.ok++;
      return;
    }
    const code = result.error.code ?? result.error.name;
    this.codes.set(code, (this.codes.get(code) ?? 0) + 1);
  }

  toString(): string {
    const codes = [...this.codes].sort((a, b) => b[1] - a[1]);
    return `${this.ok} accepted; ${codes.map(([code, n]) => `${code} ${n}`).join(', ')}`;
  }

  /**
   * Comments what the inputs came to and checks that they got past the first checks: some were
   * accepted (when `accepts`), and each of `reaches` was thrown. Depth is only asked of a run of
   * at least 2,000 inputs.
   */
  report(t: Test, options: { accepts?: boolean; reaches?: readonly string[] } = {}): void {
    t.comment(this.toString());
    if (RUNS < 2000) return;
    if (options.accepts ?? true) t.ok(this.ok > 0, 'some inputs are accepted');
    for (const code of options.reaches ?? []) t.ok(this.codes.has(code), `inputs reach ${code}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Strings

/** Characters that matter to the grammars under test: separators, controls, odd Unicode. */
const SPECIAL_CHARACTERS = [
  '\n',
  '\r',
  '\r\n',
  '\t',
  '\u0000',
  '\u001f',
  '\u007f',
  ' ',
  '\u00a0',
  '\u2028',
  '\u2014',
  '\u2014 ',
  '\ufeff',
  '\ud800',
  '\udc00',
  '\u{1f600}',
  'é',
  '+',
  '=',
  '/',
  '\\',
  '-',
  '.',
  ':',
  ',',
  '%',
  '"',
  "'",
  '{',
  '}',
  '[',
  ']',
  '0',
  '9',
  'A',
  'x',
  'p',
  'e',
  '-----BEGIN PUBLIC KEY-----\n',
  '-----END PUBLIC KEY-----\n',
  '-----BEGIN CERTIFICATE-----\n',
  '-----END CERTIFICATE-----\n',
  'PRIVATE KEY',
];

const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c));

/** Any string: printable, binary (all code points), grammar characters, lone surrogates. */
export const anyString: fc.Arbitrary<string> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.string({ unit: fc.constantFrom(...SPECIAL_CHARACTERS), maxLength: 20 }),
  fc.string({ unit: fc.oneof(fc.string({ minLength: 1, maxLength: 1 }), loneSurrogate) }),
  fc.base64String({ maxLength: 64 }),
  fc.constantFrom('', '0', '-0', '1e3', 'NaN', 'null', 'true', '__proto__', 'constructor'),
);

/** Edits applied to a string: each takes the string and gives the edited one. */
const stringEdit: fc.Arbitrary<(s: string) => string> = fc.oneof(
  fc.tuple(fc.nat(), anyString).map(
    ([at, text]) =>
      (s: string) =>
        splice(s, at % (s.length + 1), 0, text),
  ),
  fc.tuple(fc.nat(), fc.constantFrom(...SPECIAL_CHARACTERS)).map(
    ([at, c]) =>
      (s: string) =>
        splice(s, at % (s.length + 1), 1, c),
  ),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 16 })).map(
    ([at, n]) =>
      (s: string) =>
        splice(s, at % (s.length + 1), n, ''),
  ),
  fc.nat().map((at) => (s: string) => s.slice(0, at % (s.length + 1))),
  fc
    .tuple(fc.nat(), fc.integer({ min: 1, max: 40 }), fc.nat())
    .map(([from, n, to]) => (s: string) => {
      const start = from % (s.length + 1);
      return splice(s, to % (s.length + 1), 0, s.slice(start, start + n));
    }),
  fc.tuple(fc.nat(), fc.nat()).map(([a, b]) => (s: string) => {
    // Swaps two lines.
    const lines = s.split('\n');
    const i = a % lines.length;
    const j = b % lines.length;
    [lines[i], lines[j]] = [lines[j], lines[i]];
    return lines.join('\n');
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 2, max: 2000 })).map(([at, times]) => (s: string) => {
    const start = at % (s.length + 1);
    return splice(s, start, 0, s.slice(start, start + 3).repeat(times));
  }),
  fc.constant((s: string) => s.toUpperCase()),
  fc.constant((s: string) => s.trim()),
);

function splice(s: string, at: number, remove: number, insert: string): string {
  return s.slice(0, at) + insert + s.slice(at + remove);
}

/** One to four edits of `base`. */
export function mutatedString(base: string): fc.Arbitrary<string> {
  return fc
    .array(stringEdit, { minLength: 1, maxLength: 4 })
    .map((edits) => edits.reduce((s, edit) => edit(s), base));
}

/** Random strings, `bases` as they are, and mutations of them. */
export function stringsAround(bases: readonly string[]): fc.Arbitrary<string> {
  return fc.oneof(
    { arbitrary: anyString, weight: 1 },
    { arbitrary: fc.constantFrom(...bases), weight: 1 },
    { arbitrary: fc.constantFrom(...bases).chain(mutatedString), weight: 6 },
  );
}

// ---------------------------------------------------------------------------------------------
// Bytes

const byteEdit: fc.Arbitrary<(b: Uint8Array) => Uint8Array> = fc.oneof(
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })).map(([at, bit]) => (b: Uint8Array) => {
    if (b.length === 0) return b;
    const copy = b.slice();
    copy[at % b.length] ^= 1 << bit;
    return copy;
  }),
  fc
    .tuple(
      fc.nat(),
      fc.constantFrom(0x00, 0x01, 0x02, 0x04, 0x0c, 0x30, 0x7f, 0x80, 0x81, 0x82, 0xff),
    )
    .map(([at, value]) => (b: Uint8Array) => {
      if (b.length === 0) return b;
      const copy = b.slice();
      copy[at % b.length] = value;
      return copy;
    }),
  fc.tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 })).map(
    ([at, bytes]) =>
      (b: Uint8Array) =>
        spliceBytes(b, at % (b.length + 1), 0, bytes),
  ),
  fc
    .tuple(fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }))
    .map(([at, bytes]) => (b: Uint8Array) => {
      // Overwrites in place: lengths stay, so DER structure often survives.
      const copy = b.slice();
      copy.set(
        bytes.subarray(0, Math.max(0, b.length - (at % (b.length + 1)))),
        at % (b.length + 1),
      );
      return copy;
    }),
  fc.tuple(fc.nat(), fc.integer({ min: 1, max: 32 })).map(
    ([at, n]) =>
      (b: Uint8Array) =>
        spliceBytes(b, at % (b.length + 1), n, new Uint8Array()),
  ),
  fc.nat().map((at) => (b: Uint8Array) => b.slice(0, at % (b.length + 1))),
  fc
    .tuple(fc.nat(), fc.integer({ min: 1, max: 64 }), fc.nat())
    .map(([from, n, to]) => (b: Uint8Array) => {
      const start = from % (b.length + 1);
      return spliceBytes(b, to % (b.length + 1), 0, b.slice(start, start + n));
    }),
);

function spliceBytes(b: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(b.length - Math.min(remove, b.length - at) + insert.length);
  out.set(b.subarray(0, at));
  out.set(insert, at);
  out.set(b.subarray(at + remove), at + insert.length);
  return out;
}

/** One to four edits of `base`: bit flips, DER-ish bytes, insertions, deletions, truncation. */
export function mutatedBytes(base: Uint8Array): fc.Arbitrary<Uint8Array> {
  return fc
    .array(byteEdit, { minLength: 1, maxLength: 4 })
    .map((edits) => edits.reduce((b, edit) => edit(b), base));
}

/** Random bytes, `bases` as they are, and mutations of them. */
export function bytesAround(bases: readonly Uint8Array[]): fc.Arbitrary<Uint8Array> {
  return fc.oneof(
    { arbitrary: fc.uint8Array({ maxLength: 300 }), weight: 1 },
    { arbitrary: fc.constantFrom(...bases), weight: 1 },
    { arbitrary: fc.constantFrom(...bases).chain(mutatedBytes), weight: 6 },
  );
}

/** Edits of base64 text: of the bytes it encodes (still canonical), or of its spelling. */
export function mutatedBase64(base: string): fc.Arbitrary<string> {
  const bytes = fromBase64(base);
  const spellings = fc.constantFrom(
    (s: string) => s.replace(/=+$/, ''),
    (s: string) => `${s}=`,
    (s: string) => s.replaceAll('+', '-').replaceAll('/', '_'),
    (s: string) => `${s.slice(0, 4)}\n${s.slice(4)}`,
    (s: string) => ` ${s}`,
    // Non-zero padding bits: the same bytes spelled another way.
    (s: string) =>
      s.replace(/([A-Za-z0-9+/])(=+)$/, (_, c: string, pad: string) => {
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
        return `${alphabet[(alphabet.indexOf(c) + 1) % 64]}${pad}`;
      }),
  );
  return fc.oneof(
    bytes === undefined ? mutatedString(base) : mutatedBytes(bytes).map((b) => toBase64(b)),
    spellings.map((spell) => spell(base)),
    mutatedString(base),
  );
}

// ---------------------------------------------------------------------------------------------
// JSON

const SPECIAL_VALUES: unknown[] = [
  null,
  true,
  false,
  0,
  -1,
  1.5,
  2 ** 53,
  1e308,
  '',
  ' ',
  'AAAA',
  '====',
  'not base64!',
  '\u0000',
  '\ud800',
  [],
  [null],
  {},
  { rawBytes: 'AAAA' },
  'sha256:',
  'https://in-toto.io/Statement/v1',
  'application/vnd.in-toto+json',
];

/** A value of the wrong type, or an odd one of the right type. */
export const wildValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(...SPECIAL_VALUES),
  anyString,
  fc.jsonValue({ maxDepth: 2 }),
  fc.integer({ min: 1000, max: 70_000 }).map((n) => 'A'.repeat(n)),
);

type Path = (string | number)[];

/** Every path into a JSON tree, the root (the empty path) included. */
function pathsOf(value: unknown, at: Path = [], into: Path[] = []): Path[] {
  into.push(at);
  if (Array.isArray(value)) {
    for (const [i, item] of value.entries()) pathsOf(item, [...at, i], into);
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) pathsOf(item, [...at, key], into);
  }
  return into;
}

type Container = Record<string | number, unknown>;

/** A change at one path: gets the old value, gives the new one (DELETE removes it). */
type JsonEdit = { path: Path; change: (old: unknown) => unknown };

const DELETE = Symbol('delete');

const genericChange: fc.Arbitrary<(old: unknown) => unknown> = fc.oneof(
  { arbitrary: fc.constant(() => DELETE), weight: 2 },
  // proto3 JSON's spelling of an unset field.
  { arbitrary: fc.constant(() => null), weight: 1 },
  { arbitrary: wildValue.map((value) => () => structuredClone(value)), weight: 3 },
  {
    arbitrary: fc.tuple(anyString, wildValue).map(([key, value]) => (old: unknown) => {
      if (typeof old !== 'object' || old === null || Array.isArray(old)) return [old, value];
      return { ...old, [key]: value };
    }),
    weight: 2,
  },
  {
    arbitrary: fc.constantFrom(
      (old: unknown) => (Array.isArray(old) ? [...old, ...old] : [old]),
      (old: unknown) => (Array.isArray(old) ? old.slice(1) : { value: old }),
      (old: unknown) => JSON.stringify(old),
    ),
    weight: 1,
  },
);

/** Edits of the value at `path` of the base: strings get base64-aware and text edits. */
function editAt(path: Path, value: unknown): fc.Arbitrary<JsonEdit> {
  const change =
    typeof value === 'string'
      ? fc.oneof(
          { arbitrary: genericChange, weight: 1 },
          { arbitrary: mutatedBase64(value).map((edited) => () => edited), weight: 2 },
        )
      : genericChange;
  return change.map((c) => ({ path, change: c }));
}

function applyEdit(root: unknown, edit: JsonEdit): unknown {
  const { path } = edit;
  if (path.length === 0) {
    const changed = edit.change(root);
    return changed === DELETE ? undefined : changed;
  }
  let parent: unknown = root;
  for (const step of path.slice(0, -1)) {
    if (typeof parent !== 'object' || parent === null) return root;
    parent = (parent as Container)[step];
  }
  if (typeof parent !== 'object' || parent === null) return root;
  const last = path[path.length - 1];
  const container = parent as Container;
  const changed = edit.change(container[last]);
  if (changed !== DELETE) {
    // Not `=`: a key named __proto__ must stay an own property, as JSON.parse makes it.
    Object.defineProperty(container, last, {
      value: changed,
      enumerable: true,
      writable: true,
      configurable: true,
    });
  } else if (Array.isArray(container) && typeof last === 'number') container.splice(last, 1);
  else delete container[last];
  return root;
}

/** One to three edits at random places of a JSON tree: deletions, wrong types, edited strings. */
export function mutatedJson(base: unknown): fc.Arbitrary<unknown> {
  const edits = pathsOf(base).map((path) => editAt(path, valueAt(base, path)));
  return fc
    .array(fc.oneof(...edits), { minLength: 1, maxLength: 3 })
    .map((list) => list.reduce((value, edit) => applyEdit(value, edit), structuredClone(base)));
}

function valueAt(root: unknown, path: Path): unknown {
  return path.reduce<unknown>((value, step) => (value as Container)[step], root);
}

/** Random JSON, `bases` as they are, and mutations of them. */
export function jsonAround(bases: readonly unknown[]): fc.Arbitrary<unknown> {
  return fc.oneof(
    { arbitrary: wildValue, weight: 1 },
    { arbitrary: fc.constantFrom(...bases).map((b) => structuredClone(b)), weight: 1 },
    { arbitrary: fc.constantFrom(...bases).chain(mutatedJson), weight: 8 },
  );
}

// ---------------------------------------------------------------------------------------------
// PEM

/** PEM text of DER bytes under `label`, 64 columns, final newline. */
export function pem(label: string, der: Uint8Array): string {
  const lines = toBase64(der).match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join('\n')}\n-----END ${label}-----\n`;
}

/** The DER bytes of the first PEM block of `text`. */
export function pemDer(text: string): Uint8Array {
  const body = /-----BEGIN [A-Z ]+-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END/.exec(text);
  const der = body && fromBase64(body[1].replace(/\s+/g, ''));
  if (!der) throw new Error('not PEM');
  return der;
}
