// Agent names and command-line agent specs.
import t from 'tap';
import { formatAgentRef, parseAgentRef, parseParamList, splitAgentSpec } from '../../lib/admin/crm/agent-ref.js';

t.test('agent names', async (t) => {
  t.same(parseAgentRef('ocf:heartbeat:apache'), { ok: true, agent: { standard: 'ocf', provider: 'heartbeat', type: 'apache' } });
  t.same(parseAgentRef('systemd:nginx'), { ok: true, agent: { standard: 'systemd', type: 'nginx' } });
  t.same(parseAgentRef('stonith:fence_ipmilan'), { ok: true, agent: { standard: 'stonith', type: 'fence_ipmilan' } });
  t.match(parseAgentRef('apache'), { ok: false, reason: /class:provider:type/ });
  t.match(parseAgentRef('ocf:apache'), { ok: false, reason: /not a valid ocf agent name/ });
  t.match(parseAgentRef('ocf:heart beat:apache'), { ok: false });
  t.equal(formatAgentRef({ standard: 'ocf', provider: 'linbit', type: 'drbd' }), 'ocf:linbit:drbd');
  t.equal(formatAgentRef({ standard: 'systemd', type: 'nginx' }), 'systemd:nginx');
});

t.test('specs: the agent, then name=value parameters', async (t) => {
  t.same(splitAgentSpec('ocf:heartbeat:apache:configfile=/etc/apache2/apache2.conf'), {
    agentText: 'ocf:heartbeat:apache',
    paramsText: 'configfile=/etc/apache2/apache2.conf',
  });
  t.same(splitAgentSpec('systemd:nginx'), { agentText: 'systemd:nginx', paramsText: '' });
  t.same(splitAgentSpec('fence_ipmilan:pcmk_host_list=alice,ip=10.0.0.1'), {
    agentText: 'fence_ipmilan',
    paramsText: 'pcmk_host_list=alice,ip=10.0.0.1',
  });
  const url = splitAgentSpec('ocf:heartbeat:apache:statusurl=http://localhost:80/status,configfile=/etc/a.conf');
  t.same(
    parseParamList(url.paramsText),
    { ok: true, params: { statusurl: 'http://localhost:80/status', configfile: '/etc/a.conf' } },
    'colons inside values survive',
  );
});

t.test('parameter lists', async (t) => {
  t.same(
    parseParamList('options=rw,sync,no_root_squash,fsid=1'),
    { ok: true, params: { options: 'rw,sync,no_root_squash', fsid: '1' } },
    'a comma belongs to the value unless name= follows',
  );
  t.same(parseParamList(''), { ok: true, params: {} });
  t.same(parseParamList('a='), { ok: true, params: { a: '' } });
  t.match(parseParamList('novalue'), { ok: false, reason: /name=value/ });
  t.match(parseParamList('a=1,a=2'), { ok: false, reason: /given twice/ });
});
