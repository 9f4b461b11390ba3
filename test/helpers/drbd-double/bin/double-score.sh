# The promotion score part of crm_attribute / crm_master (sourced).
if [ -z "$_promotion" ]; then
  echo "${0##*/} (test double): only the promotion score is served" >&2
  exit 64
fi
if [ -z "$OCF_RESOURCE_INSTANCE" ]; then
  echo "${0##*/}: Error: must specify a resource (OCF_RESOURCE_INSTANCE is not set)" >&2
  exit 64
fi
if [ -n "$_delete" ]; then
  rm -f "$D/score"
elif [ -n "$_value" ]; then
  printf '%s\n' "$_value" > "$D/score"
  printf '%s\n' "$OCF_RESOURCE_INSTANCE" > "$D/score-instance"
elif [ -n "$_query" ]; then
  if [ -f "$D/score" ]; then cat "$D/score"; else echo "Error performing operation: No such device or address" >&2; exit 105; fi
else
  echo "${0##*/} (test double): nothing to do" >&2
  exit 64
fi
exit 0
