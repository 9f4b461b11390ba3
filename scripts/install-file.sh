#!/usr/bin/env bash
# install-file.sh MODE SOURCE|- DEST: installs one file atomically. The content goes to a new file
# beside DEST (same directory, so same file system) and is renamed over DEST: a program that
# starts DEST at any moment runs the old file or the new one, never a missing or half-written one.
set -euo pipefail
mode=$1 source=$2 dest=$3
tmp=$(mktemp "$(dirname "$dest")/.$(basename "$dest").XXXXXX")
trap 'rm -f "$tmp"' EXIT
if [ "$source" = - ]; then cat >"$tmp"; else cat -- "$source" >"$tmp"; fi
chmod "$mode" "$tmp"
sync -- "$tmp" 2>/dev/null || true
mv -f -- "$tmp" "$dest"
trap - EXIT
