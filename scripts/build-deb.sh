#!/usr/bin/env bash
# build-deb.sh [OUTDIR]: the Debian package ocfkit_<version>_<arch>.deb, from what `make build`
# left in dist/ (the Makefile's `deb` target runs both). Written to OUTDIR (default dist/); the
# path of the package is printed on stdout.
#
# DEB_ARCH=amd64|arm64 (default: this machine's) picks the runtime; the agents and the CLI are
# JavaScript, the same for both. The runtime is the binary of node-linux-<arch> that
# package-lock.json pins (scripts/runtime.mjs checks it, and fetches the other architecture's).
#
# Reproducible: every file's time is the last commit's (SOURCE_DATE_EPOCH), owners are root, and
# the man pages, completion and copyright file are generated from the built programs and their
# source maps, so the same checkout builds the same bytes.
#
# Layout (the same as `make install`'s):
#   /usr/lib/ocf/resource.d/ocfkit/<Agent>   the agents, run by /usr/lib/ocfkit/node; <Agent>.map beside each
#   /usr/lib/ocfkit/node                      the pinned Node.js runtime
#   /usr/lib/ocfkit/ocfkit.mjs                the CLI bundle, started by /usr/sbin/ocfkit
set -euo pipefail
umask 022
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
case ${DEB_ARCH:-} in
  '') runtime_arch=$(node -p process.arch) ;;
  amd64) runtime_arch=x64 ;;
  arm64) runtime_arch=arm64 ;;
  *) echo "build-deb.sh: DEB_ARCH=$DEB_ARCH: amd64 or arm64" >&2; exit 1 ;;
esac
case $runtime_arch in
  x64) arch=amd64 ;;
  arm64) arch=arm64 ;;
  *) echo "build-deb.sh: no runtime for this machine's architecture $runtime_arch: set DEB_ARCH" >&2; exit 1 ;;
esac
node24=$(node scripts/runtime.mjs check "$runtime_arch")
# The runtime of this machine: it runs the generators below (man pages, completion).
host_node=$(node scripts/runtime.mjs check)
outdir=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
packaging=packaging/deb
LIBDIR=/usr/lib/ocfkit
AGENTDIR=/usr/lib/ocf/resource.d/ocfkit

for f in "$node24" dist/bin/ocfkit dist/bin/ocfkit.mjs dist/agents/Filesystem; do
  [ -e "$f" ] || { echo "build-deb.sh: $f missing: run make build first" >&2; exit 1; }
done
# strip for the runtime's architecture (binutils-aarch64-linux-gnu for arm64 on an amd64 machine).
strip=strip
[ "$runtime_arch" = "$(node -p process.arch)" ] || strip=$(case $arch in amd64) echo x86_64;; arm64) echo aarch64;; esac)-linux-gnu-strip
for tool in dpkg-deb dpkg-shlibdeps gzip readelf "$strip"; do
  command -v "$tool" >/dev/null || { echo "build-deb.sh: $tool not found (apt-get install dpkg-dev binutils, binutils-<arch>-linux-gnu for another architecture)" >&2; exit 1; }
done

version=$(node -p "require('./package.json').version")
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || stat -c %Y package.json)}
maintainer=${DEB_MAINTAINER:-$(git log -1 --format='%an <%ae>' 2>/dev/null || true)}
[ -n "$maintainer" ] || { echo "build-deb.sh: set DEB_MAINTAINER='Name <address>'" >&2; exit 1; }
agents=$(cd dist/agents && ls | grep -v '\.map$')

stage=$(mktemp -d /tmp/ocfkit-deb.XXXXXX)
trap 'rm -rf "$stage"' EXIT
root=$stage/root
doc=$root/usr/share/doc/ocfkit
install -d "$root$AGENTDIR" "$root$LIBDIR" "$root/usr/sbin" "$root/usr/share/man/man7" "$root/usr/share/man/man8" \
  "$root/usr/share/bash-completion/completions" "$root/usr/share/lintian/overrides" "$doc" "$root/DEBIAN"

# The runtime, the agents and the CLI. The first line names the installed runtime; the rest is
# byte for byte what dist/ holds, so each source map's line numbers stay right.
# Stripped of its symbols and debug information (121 MB -> 103 MB), as Debian ships binaries.
"$strip" --strip-unneeded -o "$root$LIBDIR/node" "$node24"
chmod 0755 "$root$LIBDIR/node"
for agent in $agents; do
  { echo "#!$LIBDIR/node"; tail -n +2 "dist/agents/$agent"; } >"$root$AGENTDIR/$agent"
  chmod 0755 "$root$AGENTDIR/$agent"
  # Not executable: Pacemaker lists only the executable files of a provider directory as agents.
  install -m 0644 "dist/agents/$agent.map" "$root$AGENTDIR/$agent.map"
done
install -m 0644 dist/bin/ocfkit.mjs "$root$LIBDIR/ocfkit.mjs"
install -m 0644 dist/bin/ocfkit.mjs.map "$root$LIBDIR/ocfkit.mjs.map"
printf '#!%s/node\nimport("%s/ocfkit.mjs");\n' "$LIBDIR" "$LIBDIR" >"$root/usr/sbin/ocfkit"
chmod 0755 "$root/usr/sbin/ocfkit"

# Man pages and completion, from the built programs themselves.
node "$packaging/gen-man.mjs" "$stage/man" "$version" "$(date -u -d "@$SOURCE_DATE_EPOCH" +%F)" dist/bin/ocfkit \
  $(for agent in $agents; do echo "dist/agents/$agent"; done)
for page in "$stage"/man/*; do
  gzip -9n <"$page" >"$root/usr/share/man/man${page##*.}/$(basename "$page").gz"
done
dist/bin/ocfkit completion >"$root/usr/share/bash-completion/completions/ocfkit"
install -m 0644 "$packaging/lintian-overrides" "$root/usr/share/lintian/overrides/ocfkit"

# copyright: ocfkit, the runtime, and each npm package the bundles' source maps name.
node_license=$(dirname "$node24")/../LICENSE
node "$packaging/gen-copyright.mjs" --runtime "usr/lib/ocfkit/node=$node_license" \
  --bundle "usr/lib/ocfkit/ocfkit.mjs=dist/bin/ocfkit.mjs.map" \
  $(for agent in $agents; do echo "--bundle ${AGENTDIR#/}/$agent=dist/agents/$agent.map"; done) >"$doc/copyright"
# A native package's changelog, in Debian's format (the project's own changes are in CHANGELOG.md).
{
  echo "ocfkit ($version) unstable; urgency=medium"
  echo
  echo "  * ocfkit $version, built from the repository with scripts/build-deb.sh."
  echo
  echo " -- $maintainer  $(date -u -R -d "@$SOURCE_DATE_EPOCH")"
} | gzip -9n >"$doc/changelog.gz"

# DEBIAN/: the libraries the runtime links (dpkg-shlibdeps reads them from the binary), sizes, md5sums.
# dpkg-shlibdeps knows only this machine's architecture's libraries; another architecture's
# runtime (the same Node.js release, built by the same toolchain) gets this machine's runtime's
# Depends, once it is shown to need no more: the same libraries, and of each symbol family
# (GLIBC, GLIBCXX, CXXABI, GCC: one Debian package each) no higher version.
mkdir -p "$stage/shlibs/debian"
printf 'Source: ocfkit\n\nPackage: ocfkit\nArchitecture: any\n' >"$stage/shlibs/debian/control"
shlibs_of=$root$LIBDIR/node
if [ "$node24" != "$host_node" ]; then
  needs() { # the libraries a binary links (ld.so under one name), then "family highest-version" per symbol family
    readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | sed 's/^ld-linux.*/ld.so/' | sort
    readelf -V --wide "$1" | sed -n '/Version needs section/,$p' | grep -o 'Name: [A-Z]*_[0-9.]*' | cut -d' ' -f2 \
      | sed 's/_\([0-9.]*\)$/ \1/' | sort -k1,1 -k2,2V | awk '{ top[$1] = $2 } END { for (f in top) print f, top[f] }' | sort
  }
  needs "$host_node" >"$stage/needs.host"
  while read -r what wanted; do
    # the library or family this machine's runtime needs too, and the version it needs (for a family)
    if have=$(awk -v w="$what" '$1 == w { print $2; found = 1 } END { exit !found }' "$stage/needs.host") \
      && { [ -z "$wanted" ] || [ "$(printf '%s\n%s\n' "$wanted" "$have" | sort -V | tail -n 1)" = "$have" ]; }; then continue; fi
    echo "build-deb.sh: the $arch runtime needs $what $wanted, which this machine's runtime does not: its Depends would be wrong" >&2
    exit 1
  done < <(needs "$node24")
  shlibs_of=$host_node
fi
shlibs=$(cd "$stage/shlibs" && dpkg-shlibdeps -O "$shlibs_of" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build-deb.sh: dpkg-shlibdeps found no library dependencies of the runtime" >&2; exit 1; }
installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@MAINTAINER@/$maintainer/" \
  -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s/@SHLIBS_DEPENDS@/$shlibs/" "$packaging/control.in" >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

find "$root" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
deb=$outdir/ocfkit_${version}_${arch}.deb
# xz at level 6 is what Debian uses; DEB_XZ_LEVEL=1 builds in a fifth of the time (the test uses it), 15% larger.
# DEB_COMPRESS=none: not compressed at all, for a package that never leaves the machine (test/cluster).
dpkg-deb --root-owner-group -Z"${DEB_COMPRESS:-xz}" -z"${DEB_XZ_LEVEL:-6}" --build "$root" "$deb" >&2
echo "$deb"
