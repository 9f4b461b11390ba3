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
