// Stack description files in YAML, read with the `yaml` package (YAML 1.2, core schema): errors
// name the line, a key given twice is an error, and nesting is bounded before anything recursive
// runs. Pure.

import { Lexer, Parser, parseDocument } from 'yaml';

export type YamlResult = { ok: true; value: unknown } | { ok: false; reason: string };

/**
 * How deeply mappings and lists may nest. A stack description needs six levels; composing a
 * document is recursive, and a file nested thousands of levels deep would take seconds to end in
 * a stack overflow instead of an answer.
 */
export const MAX_YAML_DEPTH = 32;

/** Aliases (`*name`) a file may use: enough for sharing a block, too few to expand exponentially. */
const MAX_ALIAS_COUNT = 100;

export function parseYaml(source: string): YamlResult {
  const tooDeep = nestingProblem(source);
  if (tooDeep) return { ok: false, reason: tooDeep };
  const document = parseDocument(source, { version: '1.2', uniqueKeys: true, prettyErrors: true });
  const [error] = document.errors;
  if (error) {
    const line = error.linePos?.[0].line;
    return { ok: false, reason: `${line === undefined ? '' : `line ${line}: `}${firstLine(error.message)}` };
  }
  try {
    return { ok: true, value: document.toJS({ maxAliasCount: MAX_ALIAS_COUNT }) };
  } catch (error) {
    return { ok: false, reason: firstLine((error as Error).message) };
  }
}

/**
 * Walks the syntax tree as the parser builds it (iteratively: the parser keeps its own stack)
 * and stops at the first mapping or list nested deeper than MAX_YAML_DEPTH.
 */
function nestingProblem(source: string): string | undefined {
  const parser = new Parser();
  for (const lexeme of new Lexer().lex(source)) {
    for (const _document of parser.next(lexeme)) {
      // documents are composed later by parseDocument; here only the depth matters
    }
    const depth = parser.stack.filter(
      (token) => token.type === 'block-map' || token.type === 'block-seq' || token.type === 'flow-collection',
    ).length;
    if (depth > MAX_YAML_DEPTH) {
      const line = source.slice(0, parser.offset).split('\n').length;
      return `line ${line}: nested more than ${MAX_YAML_DEPTH} levels deep`;
    }
  }
  return undefined;
}

/** yaml's messages end with the offending line and a caret under it; the CLI prints one line. */
const firstLine = (message: string) => message.split('\n')[0]!.replace(/ at line \d+, column \d+:$/, '');
