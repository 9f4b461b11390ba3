// Parameter declarations: the single source for meta-data, validate-all and typed access.
// An agent declares each parameter once; nothing else in the agent repeats its name, default
// or rules.

// Only the types both validators accept: ra-api-1.dtd (what ocf-tester checks) has no `select`,
// and metadata.rng has no `time`.
export type ParamType = 'string' | 'integer' | 'boolean';

export interface ParamSpec {
  readonly name: string;
  readonly type: ParamType;
  readonly shortdesc: string;
  readonly longdesc: string;
  readonly default?: string | number | boolean;
  readonly required?: boolean;
  readonly unique?: boolean;
  /** Can change with a `reload` instead of a restart. */
  readonly reloadable?: boolean;
  /** The only accepted values (the OCF 1.0 DTD has no `select` type, so meta-data lists them in longdesc). */
  readonly choices?: readonly string[];
  /** Returns why the value is invalid, or undefined when it is fine. Runs only on set values. */
  readonly check?: (value: string) => string | undefined;
}

type ValueOf<P extends ParamSpec> = P['type'] extends 'boolean'
  ? boolean
  : P['type'] extends 'integer'
    ? P extends { default: number }
      ? number
      : number | undefined
    : string;

/** The typed values of a declared parameter list: `params.device`, `params.fast_stop`. */
export type ParamValues<Ps extends readonly ParamSpec[]> = { readonly [P in Ps[number] as P['name']]: ValueOf<P> };

/** ocf_is_true() of ocf-shellfuncs: the spellings admins already use in their CIBs. */
const TRUE_WORDS = new Set(['yes', 'true', '1', 'on', 'ja', 'y']);
const FALSE_WORDS = new Set(['no', 'false', '0', 'off', 'nein', 'n']);

export function parseBoolean(raw: string): boolean | undefined {
  const word = raw.trim().toLowerCase();
  if (TRUE_WORDS.has(word)) return true;
  if (FALSE_WORDS.has(word)) return false;
  return undefined;
}

/**
 * Reads every declared parameter from `OCF_RESKEY_<name>`, applies defaults, converts types and
 * collects every problem (so validate-all reports all of them at once, not one per run).
 */
export function readParams<Ps extends readonly ParamSpec[]>(
  specs: Ps,
  env: NodeJS.ProcessEnv,
): { values: ParamValues<Ps>; problems: string[] } {
  const values: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const spec of specs) {
    const raw = env[`OCF_RESKEY_${spec.name}`];
    const given = raw !== undefined && raw !== '';
    if (!given && spec.required) problems.push(`parameter '${spec.name}' is required`);
    const text = given ? raw : spec.default === undefined ? undefined : String(spec.default);
    values[spec.name] = convert(spec, text, given, problems);
    if (given && spec.choices && !spec.choices.includes(raw)) {
      problems.push(`${spec.name}='${raw}' is not one of: ${spec.choices.join(', ')}`);
    } else if (given && spec.check) {
      const why = spec.check(raw);
      if (why) problems.push(`${spec.name}='${raw}': ${why}`);
    }
  }
  return { values: values as ParamValues<Ps>, problems };
}

function convert(spec: ParamSpec, text: string | undefined, given: boolean, problems: string[]): unknown {
  switch (spec.type) {
    case 'boolean': {
      if (text === undefined) return false;
      const value = parseBoolean(text);
      if (value === undefined && given) problems.push(`${spec.name}='${text}' is not a boolean (use true or false)`);
      return value ?? false;
    }
    case 'integer': {
      if (text === undefined) return undefined;
      if (!/^-?\d+$/.test(text.trim())) {
        problems.push(`${spec.name}='${text}' is not an integer`);
        return undefined;
      }
      return Number(text.trim());
    }
    default:
      return text ?? '';
  }
}
