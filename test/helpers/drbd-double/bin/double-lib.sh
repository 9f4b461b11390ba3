# Shared by the DRBD test double's stand-ins (sourced, not run). Everything the double knows lives
# in $DRBD_DOUBLE_DIR (see ../index.ts for the layout); every invocation is logged there first.
D="${DRBD_DOUBLE_DIR:?DRBD_DOUBLE_DIR is not set: the DRBD test double needs its state directory}"
printf '%s\n' "${0##*/}${*:+ $*}" >> "$D/log"

# maybe_fail KEY: when $D/fail-KEY says so ("N CODE" or "always CODE", then the message lines),
# print the message on stderr and exit CODE, counting N down.
maybe_fail() {
  # $D/hang-KEY: never answer (until killed), like a drbdsetup stuck in the kernel.
  # With "stubborn" in it, SIGTERM is ignored too (only SIGKILL ends it); with "until VERB", wait
  # until `drbdadm VERB` has run, then go on.
  if [ -f "$D/hang-$1" ] && grep -q '^until ' "$D/hang-$1"; then
    _until=$(sed -n 's/^until //p' "$D/hang-$1")
    while ! grep -q "^drbdadm .* $_until " "$D/log"; do sleep 0.1; done
  elif [ -f "$D/hang-$1" ]; then
    grep -q stubborn "$D/hang-$1" && exec perl -e '$SIG{TERM} = "IGNORE"; sleep 3600'
    exec sleep 3600
  fi
  _f="$D/fail-$1"
  [ -f "$_f" ] || return 0
  read -r _n _code < "$_f"
  if [ "$_n" != always ]; then
    [ "$_n" -gt 0 ] || return 0
    { echo "$((_n - 1)) $_code"; tail -n +2 "$_f"; } > "$_f.tmp" && mv "$_f.tmp" "$_f"
  fi
  tail -n +2 "$_f" >&2
  exit "$_code"
}

# The fixture folder that is the current state.
current_state() { cat "$D/state"; }

# The file `drbdsetup events2 --now --statistics` prints in state $1: DRBD 9 folders have the
# command itself, DRBD 8.4 folders its `all` twin (the same text: r0 is the only resource).
events2_file() {
  if [ -f "$1/drbdsetup_events2_now_stats.txt" ]; then echo "$1/drbdsetup_events2_now_stats.txt"
  else echo "$1/drbdsetup_events2_all_now_stats.txt"; fi
}

# Whether resource $1 exists in the kernel in the current state.
configured() { grep -q "^exists resource name:$1 " "$(events2_file "$(current_state)")"; }

# transition VERB: $D/on-VERB names the next state (first line) and the states the following
# `events2` reads move through (further lines). Returns 1 when no transition is set.
transition() {
  [ -s "$D/on-$1" ] || return 1
  head -n 1 "$D/on-$1" > "$D/state"
  tail -n +2 "$D/on-$1" > "$D/queue"
}

# After an events2 read: the next queued state, if any, becomes the current one.
advance_queue() {
  [ -s "$D/queue" ] || return 0
  head -n 1 "$D/queue" > "$D/state"
  tail -n +2 "$D/queue" > "$D/queue.tmp" && mv "$D/queue.tmp" "$D/queue"
}

# switch_role ROLE: the current state with the local role changed (the `exists resource` line
# only; peers, disks and connections stay as captured), as a new folder under $D/derived.
switch_role() {
  _s=$(current_state)
  _i=0
  while [ -e "$D/derived/$_i" ]; do _i=$((_i + 1)); done
  _n="$D/derived/$_i"
  mkdir -p "$_n"
  for _f in "$_s"/drbdsetup_events2* "$_s"/proc_drbd.* "$_s"/dmesg_drbd.*; do
    [ -f "$_f" ] || continue
    case ${_f##*/} in
      *.txt) sed "/^exists resource /s/ role:[A-Za-z]*/ role:$1/" "$_f" > "$_n/${_f##*/}" ;;
      *) cp "$_f" "$_n/" ;;
    esac
  done
  echo "$_s" > "$_n/derived-from"
  echo "$_n" > "$D/state"
}
