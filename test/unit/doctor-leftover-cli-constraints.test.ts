// leftover-cli-constraints
import t from 'tap';

import { CLEAN, cib } from '../helpers/doctor-cib.js';

import { checkLeftoverCliConstraints } from '../../lib/admin/pacemaker/doctor/leftover-cli-constraints.js';

const withLocation = (location: string) => CLEAN.replace('<constraints>', `<constraints>${location}`);

t.test('no cli-* constraints: fine; other location constraints are not ours to judge', async (t) => {
  t.same(checkLeftoverCliConstraints(cib()), []);
  t.same(checkLeftoverCliConstraints(cib(withLocation('<rsc_location id="prefer-alice" rsc="g-web" node="alice" score="50"/>'))), []);
});

t.test('a ban left by crm resource move: no failover back to that node', async (t) => {
  const ban = withLocation('<rsc_location id="cli-ban-g-web-on-alice" rsc="g-web" role="Started" node="alice" score="-INFINITY"/>');
  t.match(checkLeftoverCliConstraints(cib(ban)), [
    {
      check: 'leftover-cli-constraints',
      severity: 'warning',
      title: 'g-web is banned from alice (cli-ban-g-web-on-alice)',
      why: /no failover left.*never expires/,
      fix: [/crm resource clear g-web.*pcs resource clear g-web.*crm_resource --clear -r g-web/],
    },
  ]);
});

t.test('a preference left by crm resource move NODE, with a lifetime', async (t) => {
  const prefer = withLocation(
    '<rsc_location id="cli-prefer-g-web" rsc="g-web" role="Started" node="bob" score="INFINITY"><rule id="r" score="INFINITY"><date_expression id="d" operation="lt" end="2030-01-01 00:00:00Z"/></rule></rsc_location>',
  );
  t.match(checkLeftoverCliConstraints(cib(prefer)), [
    { title: 'g-web is pinned to bob (cli-prefer-g-web)', why: /It expires at 2030-01-01/ },
  ]);
});
