// A reader for the part of YAML that stack descriptions need: nested mappings and lists, one-line
// [flow, lists] and {flow: maps}, quoted and plain scalars, comments. ocfkit has no YAML
// dependency, and a description file needs no more than this; anything beyond it (anchors, tags,
// multi-line strings) is refused with the line number rather than misread. Pure.

export type YamlValue = string | number | boolean | null | YamlValue[] | { [key: string]: YamlValue };

export type YamlResult = { ok: true; value: YamlValue } | { ok: false; reason: string };

interface Line {
  number: number;
  indent: number;
  text: string;
}

class YamlError extends Error {}

/**
 * How deeply mappings and lists may nest. A stack description needs six levels; the reader is
 * recursive, and a file nested thousands of levels deep would exhaust the stack instead of
 * getting an answer.
 */
export const MAX_YAML_DEPTH = 32;

export function parseYamlSubset(source: string): YamlResult {
  try {
    const lines = toLines(source);
    if (lines.length === 0) return { ok: true, value: null };
    const reader = new BlockReader(lines);
    const value = reader.block(lines[0]!.indent);
    const rest = reader.peek();
    if (rest) throw new YamlError(`line ${rest.number}: unexpected indentation`);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof YamlError) return { ok: false, reason: error.message };
    throw error;
  }
}

/** Non-empty lines without comments; the document markers `---` and `...` are dropped. */
function toLines(source: string): Line[] {
  const lines: Line[] = [];
  source.split(/\r?\n/).forEach((raw, index) => {
    const number = index + 1;
    const indentText = /^[ \t]*/.exec(raw)![0];
    if (indentText.includes('\t') && raw.trim() !== '') throw new YamlError(`line ${number}: indent with spaces, not tabs`);
    const text = stripComment(raw.slice(indentText.length), number).trimEnd();
    if (text === '' || text === '---' || text === '...') return;
    lines.push({ number, indent: indentText.length, text });
  });
  return lines;
}

function stripComment(text: string, number: number): string {
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
    } else if ((char === '"' || char === "'") && startsToken(text, i)) {
      quote = char;
    } else if (char === '#' && (i === 0 || /\s/.test(text[i - 1]!))) {
      return text.slice(0, i);
    }
  }
  if (quote) throw new YamlError(`line ${number}: unterminated ${quote === '"' ? 'double' : 'single'}-quoted string`);
  return text;
}

class BlockReader {
  private position = 0;
  private depth = 0;
  constructor(private readonly lines: Line[]) {}

  peek(): Line | undefined {
    return this.lines[this.position];
  }

  /** The block (list or mapping) whose lines start at `indent`. */
  block(indent: number): YamlValue {
    const line = this.peek()!;
    if (++this.depth > MAX_YAML_DEPTH) throw new YamlError(`line ${line.number}: nested more than ${MAX_YAML_DEPTH} levels deep`);
    try {
      return isListItem(line.text) ? this.list(indent) : this.mapping(indent);
    } finally {
      this.depth--;
    }
  }

  private list(indent: number): YamlValue[] {
    const items: YamlValue[] = [];
    for (let line = this.peek(); line && line.indent === indent && isListItem(line.text); line = this.peek()) {
      const rest = line.text.slice(1).trimStart();
      if (rest === '') {
        this.position++;
        items.push(this.nested(indent));
      } else if (isListItem(rest) || findMappingColon(rest) !== -1) {
        // `- name: alice` starts a mapping whose keys line up with `name` (`- - a`, a nested list).
        const keyIndent = indent + (line.text.length - rest.length);
        this.lines[this.position] = { number: line.number, indent: keyIndent, text: rest };
        items.push(this.block(keyIndent));
      } else {
        this.position++;
        items.push(parseInline(rest, line.number));
      }
    }
    return items;
  }

  private mapping(indent: number): { [key: string]: YamlValue } {
    const mapping: { [key: string]: YamlValue } = {};
    for (let line = this.peek(); line && line.indent === indent && !isListItem(line.text); line = this.peek()) {
      const colon = findMappingColon(line.text);
      if (colon === -1) throw new YamlError(`line ${line.number}: expected "key: value", found "${line.text}"`);
      const key = parseKey(line.text.slice(0, colon).trim(), line.number);
      if (key in mapping) throw new YamlError(`line ${line.number}: "${key}" is given twice`);
      const valueText = line.text.slice(colon + 1).trim();
      this.position++;
      if (valueText !== '') {
        mapping[key] = parseInline(valueText, line.number);
        continue;
      }
      const next = this.peek();
      // YAML allows a list under a key at the key's own indentation.
      if (next && next.indent === indent && isListItem(next.text)) mapping[key] = this.list(indent);
      else mapping[key] = this.nested(indent);
    }
    return mapping;
  }

  /** The value indented under `parent`, or null when nothing is. */
  private nested(parentIndent: number): YamlValue {
    const next = this.peek();
    if (!next || next.indent <= parentIndent) return null;
    return this.block(next.indent);
  }
}

/** A quote opens a string only at the start of a token: `don't` is a plain word. */
function startsToken(text: string, index: number): boolean {
  return index === 0 || /[\s:[{,-]/.test(text[index - 1]!);
}

function isListItem(text: string): boolean {
  return text === '-' || text.startsWith('- ');
}

/** The `:` that separates key and value (followed by a space or the end), outside quotes. */
function findMappingColon(text: string): number {
  let quote: string | undefined;
  let depth = 0;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (quote) {
      if (char === '\\' && quote === '"') i++;
      else if (char === quote) quote = undefined;
    } else if ((char === '"' || char === "'") && startsToken(text, i)) {
      quote = char;
    } else if (char === '[' || char === '{') {
      depth++;
    } else if (char === ']' || char === '}') {
      depth--;
    } else if (char === ':' && depth === 0 && (i + 1 === text.length || text[i + 1] === ' ')) {
      return i;
    }
  }
  return -1;
}

function parseKey(text: string, number: number): string {
  const value = parseInline(text, number);
  if (typeof value === 'object' && value !== null) throw new YamlError(`line ${number}: a key must be a plain word`);
  return String(value);
}

/** A one-line value: a quoted or plain scalar, or a flow list/map. */
function parseInline(text: string, number: number): YamlValue {
  const parser = new FlowParser(text, number);
  const value = parser.value();
  parser.end();
  return value;
}

class FlowParser {
  private position = 0;
  private depth = 0;
  constructor(private readonly text: string, private readonly number: number) {}

  private fail(message: string): never {
    throw new YamlError(`line ${this.number}: ${message}`);
  }

  private skipSpaces(): void {
    while (this.text[this.position] === ' ') this.position++;
  }

  end(): void {
    this.skipSpaces();
    if (this.position < this.text.length) this.fail(`unexpected "${this.text.slice(this.position)}"`);
  }

  value(inFlow = false): YamlValue {
    this.skipSpaces();
    const char = this.text[this.position];
    if (char === '[' || char === '{') {
      if (++this.depth > MAX_YAML_DEPTH) this.fail(`nested more than ${MAX_YAML_DEPTH} levels deep`);
      const value = char === '[' ? this.list() : this.map();
      this.depth--;
      return value;
    }
    if (char === '"') return this.doubleQuoted();
    if (char === "'") return this.singleQuoted();
    if (char === '&' || char === '*' || char === '!') this.fail(`anchors, aliases and tags (${char}) are not supported; write the value out`);
    if (char === '|' || char === '>') this.fail('multi-line strings (| and >) are not supported; write the value on one line in quotes');
    return this.plain(inFlow);
  }

  private list(): YamlValue[] {
    this.position++;
    const items: YamlValue[] = [];
    this.skipSpaces();
    if (this.text[this.position] === ']') {
      this.position++;
      return items;
    }
    for (;;) {
      items.push(this.value(true));
      this.skipSpaces();
      const char = this.text[this.position++];
      if (char === ']') return items;
      if (char !== ',') this.fail('expected "," or "]" in a [list]');
    }
  }

  private map(): { [key: string]: YamlValue } {
    this.position++;
    const map: { [key: string]: YamlValue } = {};
    this.skipSpaces();
    if (this.text[this.position] === '}') {
      this.position++;
      return map;
    }
    for (;;) {
      const key = this.value(true);
      if (typeof key === 'object' && key !== null) this.fail('a key must be a plain word');
      this.skipSpaces();
      if (this.text[this.position++] !== ':') this.fail('expected ":" after a key in a {map}');
      const name = String(key);
      if (name in map) this.fail(`"${name}" is given twice`);
      map[name] = this.value(true);
      this.skipSpaces();
      const char = this.text[this.position++];
      if (char === '}') return map;
      if (char !== ',') this.fail('expected "," or "}" in a {map}');
    }
  }

  private doubleQuoted(): string {
    const escapes: Record<string, string> = { n: '\n', t: '\t', '"': '"', '\\': '\\', '/': '/', '0': '\0', r: '\r' };
    let result = '';
    for (this.position++; this.position < this.text.length; this.position++) {
      const char = this.text[this.position]!;
      if (char === '"') {
        this.position++;
        return result;
      }
      if (char === '\\') {
        const escaped = escapes[this.text[++this.position] ?? ''];
        if (escaped === undefined) this.fail(`unknown escape "\\${this.text[this.position] ?? ''}"`);
        result += escaped;
      } else {
        result += char;
      }
    }
    return this.fail('unterminated double-quoted string');
  }

  private singleQuoted(): string {
    let result = '';
    for (this.position++; this.position < this.text.length; this.position++) {
      const char = this.text[this.position]!;
      if (char === "'") {
        if (this.text[this.position + 1] === "'") {
          result += "'";
          this.position++;
          continue;
        }
        this.position++;
        return result;
      }
      result += char;
    }
    return this.fail('unterminated single-quoted string');
  }

  private plain(inFlow: boolean): YamlValue {
    const start = this.position;
    while (this.position < this.text.length) {
      const char = this.text[this.position]!;
      if (inFlow && (char === ',' || char === ']' || char === '}')) break;
      if (inFlow && char === ':' && (this.text[this.position + 1] === ' ' || this.position + 1 === this.text.length)) break;
      this.position++;
    }
    return plainScalar(this.text.slice(start, this.position).trim());
  }
}

/** YAML 1.2 core schema for plain scalars: null, booleans, numbers; everything else is a string. */
function plainScalar(text: string): YamlValue {
  if (text === '' || text === '~' || text === 'null' || text === 'Null' || text === 'NULL') return null;
  if (/^(true|True|TRUE)$/.test(text)) return true;
  if (/^(false|False|FALSE)$/.test(text)) return false;
  if (/^[-+]?\d+$/.test(text)) return Number(text);
  if (/^[-+]?(\d+\.\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return Number(text);
  return text;
}
