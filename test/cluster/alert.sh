#!/bin/sh
# Pacemaker alert agent of the test cluster (test/cluster/nodes.ts): appends one line per event to
# the recipient file with the event's own time, so a test knows when Pacemaker noticed a failure
# however often it polls. Runs as hacluster (the harness makes the file writable for it).
#   <epoch s.us> <reporting node> <kind> node=.. desc=.. rsc=.. task=.. interval=.. rc=.. target_rc=..
#   status=.. exec_ms=..
printf '%d.%06d %s %s node=%s desc=%s rsc=%s task=%s interval=%s rc=%s target_rc=%s status=%s exec_ms=%s\n' \
  "$CRM_alert_timestamp_epoch" "$CRM_alert_timestamp_usec" "$(hostname)" "$CRM_alert_kind" \
  "$CRM_alert_node" "$(echo "$CRM_alert_desc" | tr ' ' _)" "$CRM_alert_rsc" "$CRM_alert_task" \
  "$CRM_alert_interval" "$CRM_alert_rc" "$CRM_alert_target_rc" "$CRM_alert_status" "$CRM_alert_exec_time" >> "$CRM_alert_recipient"
