// Name patterns say what a publisher may publish under: `*` (everything), a name (`acme/model`)
// or a name followed by `/*` (`acme/*`: every name below acme/, at any depth). A name's namespace
// is its part before the first `/` (the whole name when it has none): names are owned by
// namespace, as on Hugging Face or npm scopes.
import { MAX_NAME_LENGTH } from '../entries/statement.ts';

/** Why `pattern` is not a name pattern; undefined when it is one. */
export function namePatternProblem(pattern: string): string | undefined {
  if (pattern === '*') return undefined;
  const name = pattern.endsWith('/*') ? pattern.slice(0, -2) : pattern;
  if (name.length === 0) return `"${pattern}" names nothing before /*`;
  if (name.length > MAX_NAME_LENGTH) {
    return `"${pattern.slice(0, 40)}…" is longer than ${MAX_NAME_LENGTH} characters`;
  }
  if (name.includes('*')) {
    return `"${pattern}" has a * that is not the whole pattern or its last path segment (acme/*)`;
  }
  return undefined;
}

// Control characters (C0, DEL, C1) and the line and paragraph separators.
const INVISIBLE = /[\p{Cc}\u2028\u2029]/u;

/**
 * Why a model or dataset name cannot be published (undefined when it can): names are owned, so
 * one must not pass for another. It must be Unicode in NFC (a decomposed "é" is another string
 * for the same text), without lone surrogates (which storage would turn into U+FFFD), control
 * characters, surrounding spaces, an empty path segment or a *.
 */
export function publishedNameProblem(name: string): string | undefined {
  const quoted = JSON.stringify(name.slice(0, 80));
  if (!name.isWellFormed()) return `the name ${quoted} has a lone surrogate`;
  if (name.normalize('NFC') !== name) return `the name ${quoted} is not in Unicode NFC`;
  if (INVISIBLE.test(name)) return `the name ${quoted} has a control character`;
  if (name.trim() !== name) return `the name ${quoted} starts or ends with a space`;
  if (name.split('/').some((segment) => segment === '')) {
    return `the name ${quoted} has an empty path segment (a leading, trailing or doubled /)`;
  }
  if (name.includes('*')) return `the name ${quoted} has a *, which only patterns have`;
  return undefined;
}

export function nameMatches(pattern: string, name: string): boolean {
  if (pattern === '*') return true;
  if (pattern.endsWith('/*')) return name.startsWith(pattern.slice(0, -1));
  return pattern === name;
}

export function namespaceOf(name: string): string {
  const slash = name.indexOf('/');
  return slash === -1 ? name : name.slice(0, slash);
}
