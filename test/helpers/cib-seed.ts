// The CIB a freshly started test cluster begins with: empty, plus cluster properties. With
// dc-deadtime=2s the DC is elected in seconds instead of after the default 20 s. No
// crm_feature_set: Pacemaker writes its own (a newer one than it knows makes it drop updates).

function xmlAttribute(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
}

export function seedCib(properties: Record<string, string> = { 'dc-deadtime': '2s' }): string {
  const nvpairs = Object.entries(properties)
    .map(
      ([name, value]) =>
        `        <nvpair id="cib-bootstrap-options-${xmlAttribute(name)}" name="${xmlAttribute(name)}" value="${xmlAttribute(value)}"/>`,
    )
    .join('\n');
  return `<cib validate-with="pacemaker-3.9" epoch="1" num_updates="0" admin_epoch="0">
  <configuration>
    <crm_config>
      <cluster_property_set id="cib-bootstrap-options">
${nvpairs}
      </cluster_property_set>
    </crm_config>
    <nodes/>
    <resources/>
    <constraints/>
  </configuration>
  <status/>
</cib>
`;
}
