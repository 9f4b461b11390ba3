// The OCF runtime: parameter reading, meta attributes, dispatch and exit codes.
import t from 'tap';
import { defineAgent, dispatch, exitReason } from '../../lib/agent-runtime/ocf/agent.js';
import { createLogger } from '../../lib/agent-runtime/ocf/log.js';
import { OCF, OcfError } from '../../lib/agent-runtime/ocf/codes.js';
import { readCrmMeta } from '../../lib/agent-runtime/ocf/meta.js';
import { parseBoolean, readParams, type ParamSpec } from '../../lib/agent-runtime/ocf/params.js';

const specs = [
  {
    name: 'path',
    type: 'string',
    required: true,
    shortdesc: 's',
    longdesc: 'l',
    check: (v: string) => (v.startsWith('/') ? undefined : 'must be absolute'),
  },
  { name: 'mode', type: 'string', default: 'auto', choices: ['auto', 'no'], shortdesc: 's', longdesc: 'l' },
  { name: 'count', type: 'integer', default: 5, shortdesc: 's', longdesc: 'l' },
  { name: 'fast', type: 'boolean', default: false, shortdesc: 's', longdesc: 'l' },
] as const satisfies readonly ParamSpec[];

t.test('ocf_is_true spellings', async (t) => {
  for (const w of ['yes', 'true', '1', 'on', 'YES', 'True', 'ja']) t.equal(parseBoolean(w), true, w);
  for (const w of ['no', 'false', '0', 'off', 'NO']) t.equal(parseBoolean(w), false, w);
  t.equal(parseBoolean('maybe'), undefined);
});

t.test('readParams applies defaults, converts types and reports every problem at once', async (t) => {
  const ok = readParams(specs, { OCF_RESKEY_path: '/x', OCF_RESKEY_fast: 'yes', OCF_RESKEY_count: '7' });
  t.same(ok.problems, []);
  t.same(ok.values, { path: '/x', mode: 'auto', count: 7, fast: true });
  const bad = readParams(specs, { OCF_RESKEY_mode: 'sometimes', OCF_RESKEY_count: 'x', OCF_RESKEY_fast: 'maybe' });
  t.equal(bad.problems.length, 4, 'required, choices, integer and boolean problems all reported');
  t.match(bad.problems.join('\n'), /'path' is required/);
  t.match(bad.problems.join('\n'), /mode='sometimes' is not one of: auto, no/);
  t.match(readParams(specs, { OCF_RESKEY_path: 'rel' }).problems[0], /must be absolute/);
  t.same(readParams(specs, { OCF_RESKEY_path: '/x', OCF_RESKEY_count: '' }).values.count, 5, 'empty means default, as in the shell agents');
});

t.test('CRM meta attributes', async (t) => {
  const probe = readCrmMeta({ OCF_RESKEY_CRM_meta_interval: '0', OCF_RESKEY_CRM_meta_timeout: '30000' }, 'monitor');
  t.equal(probe.isProbe, true);
  t.equal(probe.timeoutMs, 30000);
  const recurring = readCrmMeta({ OCF_RESKEY_CRM_meta_interval: '10000' }, 'monitor');
  t.equal(recurring.isProbe, false);
  t.equal(recurring.timeoutMs, 20000, 'default timeout');
  const notify = readCrmMeta(
    {
      OCF_RESKEY_CRM_meta_clone_max: '2',
      OCF_RESKEY_CRM_meta_master_max: '1',
      OCF_RESKEY_CRM_meta_notify_type: 'pre',
      OCF_RESKEY_CRM_meta_notify_operation: 'promote',
      OCF_RESKEY_CRM_meta_notify_promote_uname: 'node1 ',
      OCF_RESKEY_CRM_meta_notify_master_uname: 'node2 node3',
    },
    'notify',
  );
  t.equal(notify.isClone, true);
  t.equal(notify.promotedMax, 1, 'master_max of Pacemaker 1.1 is understood');
  t.same(notify.notify.unames.promote, ['node1']);
  t.same(notify.notify.unames.promoted, ['node2', 'node3'], 'notify_master_uname maps to promoted');
});

t.test('dispatch: exit codes and exit reasons, never a stack trace', async (t) => {
  const agent = defineAgent({
    name: 'Test',
    version: '1.0',
    shortdesc: 's',
    longdesc: 'l',
    parameters: specs,
    actions: [
      { name: 'start', timeout: 20 },
      { name: 'monitor', timeout: 20, interval: 10 },
    ],
    handlers: {
      start: () => {
        throw new OcfError(OCF.ERR_INSTALLED, 'frobnicator missing');
      },
      monitor: () => {
        throw new TypeError('boom');
      },
      stop: (ctx) => (ctx.params.fast ? OCF.SUCCESS : OCF.ERR_GENERIC),
    },
    validate: (ctx) => {
      if (ctx.params.count > 10) throw new OcfError(OCF.ERR_CONFIGURED, 'count too large');
    },
  });
  const stderr: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string) => {
    stderr.push(String(chunk));
    return true;
  };
  const env = { OCF_RESKEY_path: '/x' };
  try {
    t.equal(await dispatch(agent, 'start', env), OCF.ERR_INSTALLED);
    t.match(stderr.join(''), /^ocf-exit-reason:frobnicator missing$/m);
    stderr.length = 0;
    t.equal(await dispatch(agent, 'monitor', env), OCF.ERR_GENERIC, 'an unexpected error is a generic failure');
    t.match(stderr.join(''), /^ocf-exit-reason:boom$/m);
    t.notMatch(stderr.join(''), /\n\s+at /, 'no stack trace');
    t.equal(await dispatch(agent, 'stop', { ...env, OCF_RESKEY_fast: 'true' }), OCF.SUCCESS);
    t.equal(await dispatch(agent, 'promote', env), OCF.ERR_UNIMPLEMENTED, 'unknown action: 3');
    t.equal(await dispatch(agent, undefined, env), OCF.ERR_ARGS, 'no action: 2');
    t.equal(await dispatch(agent, 'validate-all', env), OCF.SUCCESS);
    t.equal(await dispatch(agent, 'validate-all', { ...env, OCF_RESKEY_count: '11' }), OCF.ERR_CONFIGURED, 'agent validation');
    stderr.length = 0;
    t.equal(await dispatch(agent, 'start', {}), OCF.ERR_CONFIGURED, 'declared problems come first: 6');
    t.match(stderr.join(''), /ocf-exit-reason:parameter 'path' is required/);
    stderr.length = 0;
    // A failed stop gets the node fenced; invalid parameters mean nothing of ours can run.
    t.equal(await dispatch(agent, 'stop', {}), OCF.SUCCESS, 'stop with a missing required parameter: 0, not 6');
    t.equal(await dispatch(agent, 'stop', { ...env, OCF_RESKEY_count: 'many' }), OCF.SUCCESS, 'stop with an invalid parameter: 0');
    t.match(stderr.join(''), /nothing to stop/, 'and it says why it did nothing');
    t.notMatch(stderr.join(''), /ocf-exit-reason/, 'no failure is reported');
  } finally {
    process.stderr.write = write;
  }
});

t.test('exitReason: ERROR for a failure, WARNING for a degraded state a recurring monitor repeats', async (t) => {
  const stderr: string[] = [];
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (chunk: string) => {
    stderr.push(String(chunk));
    return true;
  };
  const log = createLogger('demo(d1)', {});
  try {
    exitReason(log, 'r0: Primary, but volume 0 has no UpToDate data');
    t.equal(
      stderr.join(''),
      'demo(d1): ERROR: r0: Primary, but volume 0 has no UpToDate data\nocf-exit-reason:r0: Primary, but volume 0 has no UpToDate data\n',
    );
    stderr.length = 0;
    exitReason(log, 'r0: volume 0 SyncSource with node2', 'warn');
    t.equal(stderr.join(''), 'demo(d1): WARNING: r0: volume 0 SyncSource with node2\nocf-exit-reason:r0: volume 0 SyncSource with node2\n');
  } finally {
    process.stderr.write = write;
  }
});
