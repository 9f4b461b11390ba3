// deprecated-promotable-syntax
import t from 'tap';
import { readFileSync } from 'node:fs';

import { CLEAN, cib } from '../helpers/doctor-cib.js';

import { checkDeprecatedPromotableSyntax } from '../../lib/admin/pacemaker/doctor/deprecated-promotable-syntax.js';

const OLD = readFileSync(new URL('../../crm-examples/web-2node/pacemaker-1.1.cib.xml', import.meta.url), 'utf8').replace(
  /^<\?xml[^>]*>/,
  '',
);

t.test('promotable clones in Pacemaker 2: fine', async (t) => {
  t.same(checkDeprecatedPromotableSyntax(cib()), []);
});

t.test('ms/Master/Slave in a Pacemaker 2 CIB', async (t) => {
  t.match(checkDeprecatedPromotableSyntax(cib(OLD)), [
    {
      check: 'deprecated-promotable-syntax',
      severity: 'warning',
      title:
        /ms\/master resources: drbd-r0-clone; master-max\/master-node-max on drbd-r0-clone; Master\/Slave role names in drbd-r0 \(monitor role=Master\), drbd-r0 \(monitor role=Slave\), colo-g-web-with-drbd-r0-promoted/,
      why: /Pacemaker 3 drops it/,
      fix: [/clone ID RSC meta promotable=true/, /--pacemaker 2\.1/],
    },
  ]);
  const rolesOnly = CLEAN.replace('with-rsc-role="Promoted"', 'with-rsc-role="Master"');
  t.match(checkDeprecatedPromotableSyntax(cib(rolesOnly)), [{ title: /Master\/Slave role names in colo-g-web-with-drbd-r0-promoted\)/ }]);
});

t.test('a Pacemaker 1.1 cluster has no other spelling', async (t) => {
  t.same(checkDeprecatedPromotableSyntax(cib(OLD, 'pacemaker-2.10')), []);
});
