// The CIB every doctor check's unit test starts from, and how the tests bend it.
import { readFileSync } from 'node:fs';
import { parseCib, type CibModel } from '../../lib/admin/pacemaker/cib.js';

// The generated two-node web stack (fence devices, promotable DRBD, group, colocation, order):
// a configuration without pitfalls, which each test breaks in one way.
export const CLEAN = readFileSync(new URL('../../crm-examples/web-2node/pacemaker-2.1.cib.xml', import.meta.url), 'utf8').replace(
  /^<\?xml[^>]*>/,
  '',
);
export function cib(configuration = CLEAN, validateWith = 'pacemaker-3.9', nodes = ['alice', 'bob']): CibModel {
  const withNodes = configuration.replace(
    '<resources>',
    `<nodes>${nodes.map((node, index) => `<node id="${index + 1}" uname="${node}"/>`).join('')}</nodes><resources>`,
  );
  const result = parseCib(`<cib validate-with="${validateWith}">${withNodes}</cib>`);
  if (!result.ok) throw new Error(result.reason);
  return result.cib;
}
export const setProperty = (name: string, value: string, xml = CLEAN) =>
  xml.replace(
    '<cluster_property_set id="cib-bootstrap-options">',
    `<cluster_property_set id="cib-bootstrap-options"><nvpair id="p-${name}" name="${name}" value="${value}"/>`,
  );
