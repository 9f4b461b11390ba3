// Text that came from outside (DRBD's output, a CIB, a file name) on its way to a terminal.
// A terminal obeys the control characters in what it prints: ESC starts sequences that move the
// cursor, rewrite the screen or the window title, BEL rings, CR overwrites the line. Read from a
// crafted or corrupted input, they would make the report say something else than it does, so the
// CLI shows them as escapes (`\x1b`) instead. Pure.

/** C0 controls but tab and newline, DEL, and the C1 controls (U+0080..U+009F: U+009B is a CSI). */
const CONTROL_CHARACTERS = /[\x00-\x08\x0b-\x1f\x7f-\x9f]/g;
/** The same with newline, for a value that must stay on its line (a name). */
const CONTROL_CHARACTERS_AND_NEWLINE = /[\x00-\x08\x0a-\x1f\x7f-\x9f]/g;

const hexEscape = (character: string) => `\\x${character.charCodeAt(0).toString(16).padStart(2, '0')}`;

/** `text` with every control character except tab and newline written as `\xNN`. */
export function escapeControlCharacters(text: string): string {
  return text.replace(CONTROL_CHARACTERS, hexEscape);
}

/** One value on one line: newlines are escaped too (`\x0a`). */
export function escapeControlCharactersInLine(text: string): string {
  return text.replace(CONTROL_CHARACTERS_AND_NEWLINE, hexEscape);
}

/**
 * JSON for a terminal or a pipe. JSON.stringify escapes C0 controls but writes DEL and the C1
 * controls as they are; `\u007f` and `\u0080`..`\u009f` are the same JSON strings, safe to print.
 */
export function jsonForTerminal(value: unknown): string {
  return JSON.stringify(value, null, 2).replace(
    /[\x7f-\x9f]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
