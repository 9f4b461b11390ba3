// resource-stickiness
import t from 'tap';

import { CLEAN, cib } from '../helpers/doctor-cib.js';

import { checkResourceStickiness } from '../../lib/admin/pacemaker/doctor/resource-stickiness.js';

const noDefaults = CLEAN.replace(/<rsc_defaults>[\s\S]*?<\/rsc_defaults>/, '');

t.test('stickiness in rsc_defaults: fine', async (t) => {
  t.same(checkResourceStickiness(cib()), []);
});

t.test('none, or 0: advice', async (t) => {
  t.match(checkResourceStickiness(cib(noDefaults)), [
    { check: 'resource-stickiness', severity: 'advice', fix: [/rsc_defaults resource-stickiness=100/] },
  ]);
  t.equal(
    checkResourceStickiness(cib(CLEAN.replace('name="resource-stickiness" value="100"', 'name="resource-stickiness" value="0"'))).length,
    1,
  );
});

t.test('stickiness on the resources themselves counts', async (t) => {
  const onGroup = noDefaults.replace(
    '<group id="g-web">',
    '<group id="g-web"><meta_attributes id="g-web-meta"><nvpair id="g-web-meta-s" name="resource-stickiness" value="200"/></meta_attributes>',
  );
  t.same(checkResourceStickiness(cib(onGroup)), []);
});
