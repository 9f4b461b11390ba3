// Cluster-wide defaults an admin sets by hand: resource meta attributes for every resource
// (rsc_defaults, e.g. migration-threshold=1) and operation attributes for every operation
// (op_defaults, e.g. timeout=60s). Only names Pacemaker knows are accepted, each with its kind of
// value, so a typo is an error here instead of an attribute Pacemaker silently ignores. Pure.

import { parseDurationMs } from '../pacemaker/duration.js';

type ValueCheck = (value: string) => boolean;

const isBoolean: ValueCheck = (value) => /^(true|false|yes|no|on|off|1|0)$/i.test(value);
const isDuration: ValueCheck = (value) => parseDurationMs(value) !== undefined;
const isScore: ValueCheck = (value) => /^([-+]?\d{1,9}|[-+]?INFINITY)$/.test(value);
const oneOf =
  (...choices: string[]): ValueCheck =>
  (value) =>
    choices.includes(value);

export interface Attribute {
  check: ValueCheck;
  /** What a valid value looks like, for the error message. */
  expected: string;
}

const BOOLEAN: Attribute = { check: isBoolean, expected: 'true or false' };
const DURATION: Attribute = { check: isDuration, expected: 'a time such as 60s, 2min or 500ms' };

/** Resource meta attributes that make sense for every resource (Pacemaker Explained, 2.1). */
export const RESOURCE_DEFAULTS: Readonly<Record<string, Attribute>> = {
  'migration-threshold': {
    check: (value) => /^(\d{1,9}|INFINITY)$/.test(value),
    expected: 'a count of failures (0 = never move) or INFINITY',
  },
  'failure-timeout': DURATION,
  priority: { check: isScore, expected: 'a whole number' },
  'multiple-active': {
    check: oneOf('block', 'stop_only', 'stop_start', 'stop_unexpected'),
    expected: 'block, stop_only, stop_start or stop_unexpected',
  },
  'is-managed': BOOLEAN,
  maintenance: BOOLEAN,
  'allow-migrate': BOOLEAN,
  critical: BOOLEAN,
  requires: { check: oneOf('nothing', 'quorum', 'fencing', 'unfencing'), expected: 'nothing, quorum, fencing or unfencing' },
  'target-role': { check: oneOf('Stopped', 'Started', 'Unpromoted', 'Promoted'), expected: 'Stopped, Started, Unpromoted or Promoted' },
};

/** Operation attributes that make sense for every operation. */
export const OPERATION_DEFAULTS: Readonly<Record<string, Attribute>> = {
  // Operations we generate carry the timeout from their agent's meta-data, which wins; this one
  // applies to the others (those whose meta-data gives none, and resources added later).
  timeout: DURATION,
  'on-fail': {
    check: oneOf('ignore', 'block', 'stop', 'restart', 'standby', 'fence', 'demote'),
    expected: 'ignore, block, stop, restart, standby, fence or demote',
  },
  'record-pending': BOOLEAN,
};

/** `resource-stickiness` has its own setting (stickiness), with a default of its own. */
const OWN_SETTING: Record<string, string> = { 'resource-stickiness': 'stickiness' };

/**
 * A file's `{ name: value }` mapping or the command line's `NAME=VALUE` list -> checked pairs in
 * the given order. `known` is RESOURCE_DEFAULTS or OPERATION_DEFAULTS; `fail` gets each problem
 * and `labelOf` names another setting in its words (a flag or a file key).
 */
export function readDefaults(
  value: unknown,
  known: Readonly<Record<string, Attribute>>,
  fail: (message: string) => void,
  labelOf: (setting: string) => string,
): [string, string][] {
  if (value === undefined || value === null) return [];
  const entries: [string, unknown][] = [];
  if (Array.isArray(value)) {
    for (const item of value) {
      const equals = typeof item === 'string' ? item.indexOf('=') : -1;
      if (equals <= 0) fail(`"${String(item)}" is not NAME=VALUE`);
      else entries.push([(item as string).slice(0, equals), (item as string).slice(equals + 1)]);
    }
  } else if (typeof value === 'object') {
    entries.push(...Object.entries(value));
  } else {
    fail('must be a mapping of name: value');
    return [];
  }
  const values: [string, string][] = [];
  for (const [name, rawValue] of entries) {
    const attribute = known[name];
    if (!attribute) {
      const own = OWN_SETTING[name];
      fail(own ? `${name}: set it with ${labelOf(own)}` : `"${name}" is not one of ${Object.keys(known).join(', ')}`);
    } else if (values.some(([seen]) => seen === name)) {
      fail(`${name} is given twice`);
    } else if (typeof rawValue !== 'string' && typeof rawValue !== 'number' && typeof rawValue !== 'boolean') {
      fail(`${name}: must be a single value (${attribute.expected})`);
    } else if (!attribute.check(String(rawValue))) {
      fail(`${name}: "${String(rawValue)}" is not ${attribute.expected}`);
    } else {
      values.push([name, String(rawValue)]);
    }
  }
  return values;
}
