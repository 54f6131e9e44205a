// The reference implementation signs `json_format.MessageToJson(statement)`: Python's json.dumps
// with a two-space indent, ", " / ": " separators, no final newline, every character outside
// printable ASCII escaped as \uXXXX (lowercase hex, UTF-16 units), and numbers printed as the
// doubles of a protobuf Struct (a shard size of 8 is `8.0`). The goldens fix this layout; this
// writes it, so that a payload built here is byte for byte the reference's.

export type JsonValue = string | number | boolean | JsonValue[] | { [key: string]: JsonValue };

export function messageToJson(value: JsonValue): string {
  return write(value, '');
}

function write(value: JsonValue, indent: string): string {
  if (typeof value === 'string') return asciiString(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'number') return structNumber(value);
  const inner = `${indent}  `;
  const [open, close, items] = Array.isArray(value)
    ? ['[', ']', value.map((item) => write(item, inner))]
    : [
        '{',
        '}',
        Object.entries(value).map(([key, item]) => `${asciiString(key)}: ${write(item, inner)}`),
      ];
  if (items.length === 0) return `${open}${close}`;
  return `${open}\n${inner}${items.join(`,\n${inner}`)}\n${indent}${close}`;
}

/** JSON.stringify escapes quotes, backslashes and controls as Python does; then the rest. */
function asciiString(text: string): string {
  return JSON.stringify(text).replace(
    /[\u007f-\uffff]/g,
    (unit) => `\\u${unit.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** Python prints an integral double below 1e16 as `<digits>.0`; only such numbers occur here. */
function structNumber(value: number): string {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`only safe integers are written, not ${value}`);
  }
  return `${value}.0`;
}
