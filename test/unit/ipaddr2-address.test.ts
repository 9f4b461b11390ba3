// IPaddr2's address, prefix and broadcast parsing: what admins write in CIBs, compared by value.
import t from 'tap';
import {
  broadcastProblem,
  formatIpv6,
  interfaceNameProblem,
  isLinkLocal,
  parseAddress,
  parseIpv4,
  parseIpv6,
  parsePrefix,
  sameAddress,
  unicastProblem,
  type IpAddress,
} from '../../lib/agent-runtime/ip/address.js';

const addr = (text: string): IpAddress => {
  const r = parseAddress(text);
  if (!r.ok) throw new Error(r.error);
  return r.value;
};

t.test('IPv4: strict dotted quads', async (t) => {
  t.same(parseIpv4('192.168.1.10'), [192, 168, 1, 10]);
  t.same(parseIpv4('0.0.0.0'), [0, 0, 0, 0]);
  for (const bad of ['192.168.1', '192.168.1.256', '192.168.1.10.1', '010.1.1.1', '1.2.3.-4', '1.2.3.4 ', '', 'a.b.c.d', '1..2.3']) {
    t.equal(parseIpv4(bad), undefined, `rejects ${JSON.stringify(bad)}`);
  }
});

t.test('IPv6: every standard spelling, printed as iproute2 prints it', async (t) => {
  const cases: [string, string][] = [
    ['2001:db8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:DB8::1', '2001:db8::1'],
    ['::', '::'],
    ['::1', '::1'],
    ['fd00:213:0::5', 'fd00:213::5'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'], // the longest zero run is compressed
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'], // equal runs: the first one
    ['2001:db8:1:1:1:1:0:1', '2001:db8:1:1:1:1:0:1'], // a single zero group stays
    ['::ffff:192.0.2.1', '::ffff:192.0.2.1'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
    ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', '2001:db8:85a3::8a2e:370:7334'],
  ];
  for (const [input, printed] of cases) {
    const bytes = parseIpv6(input);
    t.ok(bytes, `parses ${input}`);
    t.equal(formatIpv6(bytes!), printed, `${input} -> ${printed}`);
  }
  for (const bad of [
    '2001:db8::1::1',
    '2001:db8:1:1:1:1:1:1:1',
    '2001:db8:1:1:1:1:1',
    'g::1',
    '2001:db8::12345',
    '1.2.3.4::',
    ':1::',
    'fe80::1%eth0',
    '',
  ]) {
    t.equal(parseIpv6(bad), undefined, `rejects ${JSON.stringify(bad)}`);
  }
});

t.test('parseAddress picks the family by the colon and says what is wrong', async (t) => {
  t.equal(addr('10.0.0.5').family, 'inet');
  t.equal(addr(' fd00::5 ').text, 'fd00::5');
  const messages: [string, RegExp][] = [
    ['10.0.0.300', /not a valid IPv4 address/],
    ['fd00::5::1', /not a valid IPv6 address/],
    ['10.0.0.5/24', /give it in cidr_netmask/],
    ['fe80::1%eth0', /zone index/],
    ['', /no address/],
  ];
  for (const [input, re] of messages) {
    const r = parseAddress(input);
    t.notOk(r.ok);
    if (!r.ok) t.match(r.error, re, input);
  }
});

t.test('addresses that cannot be a VIP', async (t) => {
  for (const bad of [
    '0.1.2.3',
    '224.0.0.1',
    '239.255.255.250',
    '255.255.255.255',
    '240.0.0.1',
    '::',
    '::1',
    'ff02::1',
    '::ffff:10.0.0.1',
  ]) {
    t.ok(unicastProblem(addr(bad)), `${bad} is refused`);
  }
  for (const good of ['10.0.0.1', '192.168.1.255', '127.0.0.2', 'fd00::1', '2001:db8::1', 'fe80::1']) {
    t.equal(unicastProblem(addr(good)), undefined, `${good} is fine`);
  }
  t.ok(isLinkLocal(addr('fe80::1')));
  t.ok(isLinkLocal(addr('febf::1')));
  t.notOk(isLinkLocal(addr('fec0::1')));
  t.ok(isLinkLocal(addr('169.254.1.1')));
});

t.test('sameAddress compares values, not spellings', async (t) => {
  t.ok(sameAddress(addr('FD00:213:0::5'), 'fd00:213::5'));
  t.notOk(sameAddress(addr('fd00:213::5'), 'fd00:213::6'));
  t.ok(sameAddress(addr('10.0.0.5'), '10.0.0.5'));
  t.notOk(sameAddress(addr('10.0.0.5'), '10.0.0.50'));
  t.notOk(sameAddress(addr('10.0.0.5'), 'garbage'));
});

t.test('cidr_netmask: ranges per family, old dotted netmasks converted with a note', async (t) => {
  t.same(parsePrefix('24', 'inet'), { ok: true, value: { prefix: 24 } });
  t.same(parsePrefix('32', 'inet'), { ok: true, value: { prefix: 32 } });
  t.same(parsePrefix('128', 'inet6'), { ok: true, value: { prefix: 128 } });
  t.same(parsePrefix('255.255.255.0', 'inet'), {
    ok: true,
    value: { prefix: 24, note: 'cidr_netmask 255.255.255.0 is a dotted-quad netmask; please write 24' },
  });
  t.match(parsePrefix('255.255.255.255', 'inet'), { ok: true, value: { prefix: 32 } });
  t.match(parsePrefix('128.0.0.0', 'inet'), { ok: true, value: { prefix: 1 } });
  for (const [raw, family, re] of [
    ['33', 'inet', /out of range \(1-32 for IPv4\)/],
    ['0', 'inet', /out of range/],
    ['129', 'inet6', /out of range \(1-128 for IPv6\)/],
    ['255.0.255.0', 'inet', /not a contiguous netmask/],
    ['0.0.0.0', 'inet', /not a contiguous netmask/],
    ['255.255.255.0', 'inet6', /not a prefix length/],
    ['24a', 'inet', /not a prefix length/],
    ['-1', 'inet', /not a prefix length/],
  ] as const) {
    const r = parsePrefix(raw, family);
    t.notOk(r.ok, `${raw} (${family})`);
    if (!r.ok) t.match(r.error, re);
  }
});

t.test('broadcast and interface names', async (t) => {
  t.equal(broadcastProblem('+'), undefined);
  t.equal(broadcastProblem('-'), undefined);
  t.equal(broadcastProblem('10.0.0.255'), undefined);
  t.match(broadcastProblem('10.0.0'), /neither an IPv4 address nor \+ or -/);
  t.equal(interfaceNameProblem('eth0'), undefined);
  t.equal(interfaceNameProblem('bond0.100'), undefined);
  t.match(interfaceNameProblem('averyveryverylongname'), /1 to 15 characters/);
  t.match(interfaceNameProblem('a/b'), /not a valid interface name/);
  t.match(interfaceNameProblem('eth0:1'), /not a valid interface name/);
  t.match(interfaceNameProblem(''), /1 to 15/);
});
