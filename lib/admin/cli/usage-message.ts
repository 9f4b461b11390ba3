// yargs' usage errors in ocfkit's words: options named as they are typed (--format), each
// problem on one line, and no camelCase twin of an unknown option (yargs reports both spellings).

/** The message yargs gave, reworded where it is clumsy; anything else unchanged. */
export function usageMessage(message: string): string {
  const unknown = /^Unknown arguments?: (.*)$/s.exec(message);
  if (unknown) {
    const names = unknown[1]!.split(', ');
    const kebab = (name: string) => name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
    // yargs lists --stonith-device also as stonithDevice: keep one spelling of each.
    const distinct = names.filter((name, index) => names.findIndex((other) => kebab(other) === kebab(name)) === index);
    const shown = distinct.map((name) =>
      /^[a-z]/i.test(name) && !name.includes(' ') ? `${name.length === 1 ? '-' : '--'}${kebab(name)}` : name,
    );
    return `unknown option${shown.length > 1 ? 's' : ''}: ${shown.join(', ')}`;
  }
  if (message.startsWith('Invalid values:')) {
    const lines = [...message.matchAll(/Argument: (\S+), Given: (.*), Choices: (.*)/g)].map(
      ([, option, given, choices]) => `--${option}: ${given} is not one of ${choices!.replace(/"/g, '')}`,
    );
    if (lines.length > 0) return lines.join('\n');
  }
  return message;
}
