// Quoting values for the two text formats. Pure.

const SAFE = /^[A-Za-z0-9_./:@%+,=-]+$/;

/** POSIX shell: leave plain words alone, otherwise single-quote (a ' becomes '\''). */
export function shellQuote(value: string): string {
  if (value !== '' && SAFE.test(value)) return value;
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** crmsh reads `name=value` with shell-like rules: double quotes around anything unusual. */
export function crmQuote(value: string): string {
  if (value !== '' && SAFE.test(value)) return value;
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * Why crmsh cannot carry `value` through `crm configure load` unchanged, or undefined when it can.
 * Found by loading each case into a CIB file with crmsh 4.x: a line break ends the command, a tab
 * becomes spaces, a backslash before the closing quote (or before an escaped one) leaves crmsh
 * with "No closing quotation" halfway through a block, and non-ASCII text is stored as a literal
 * `&#233;`. Every format is generated from the same description, so such values are refused for
 * all of them.
 */
export function crmInexpressible(value: string): string | undefined {
  if (/[\n\r]/.test(value)) return 'contains a line break';
  if (/[\x00-\x1f\x7f]/.test(value)) return 'contains a control character (a tab, an escape, ...)';
  if (/[^\x20-\x7e]/.test(value)) return 'contains a non-ASCII character, which crmsh stores mangled';
  if (/\\$/.test(value)) return 'ends with a backslash';
  if (/\\"/.test(value)) return 'has a backslash before a double quote';
  return undefined;
}
