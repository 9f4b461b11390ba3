# ocfkit — build, install, test, benchmark.
#   make                 build dist/agents/* and meta-data/*.xml
#   make install         agents -> $(DESTDIR)$(OCF_ROOT)/resource.d/ocfkit/, pinned Node 24 -> $(LIBDIR)/node
#   make deb             ocfkit_<version>_<arch>.deb in dist/ (scripts/build-deb.sh); ARCH=arm64 for arm64
#   make test-unit       the pure tests only (no root, no dist/, no system tools), in parallel: seconds
#   make lint            ESLint (type-aware); make format / make format-check: Prettier
#   make check           type-check and run every test (needs root and the Debian packages: scripts/setup-debian.sh)
#   make prove           ocf-tester on each installed agent against a throwaway loop device / namespace
#   make bench           our agents vs the upstream ones, side by side, as ratios (drbd in the qemu VMs)
#   make bench-failover  failover times of the whole stack under Pacemaker, ocfkit vs upstream
#                        (namespace cluster, then the DRBD VM cluster with ocf:linbit:drbd as upstream)
OCF_ROOT ?= /usr/lib/ocf
LIBDIR   ?= /usr/lib/ocfkit
SBINDIR  ?= /usr/sbin
DESTDIR  ?=
# The pinned Node 24 (npm package node-linux-<arch>, see scripts/runtime.mjs), checked by the build.
NODE24    = $(shell node scripts/runtime.mjs path)
# Debian architecture of `make deb` (amd64, arm64); empty: this machine's.
ARCH     ?=
AGENTS   := $(basename $(notdir $(wildcard agents/*.ts)))

.PHONY: all build install install-files uninstall check typecheck test prove bench bench-failover bench-scale clean deb
.PHONY: test-unit lint format format-check

all: build

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

build: node_modules/.package-lock.json
	node scripts/build.mjs

# The agents' first line names the interpreter; installed, that is our own copy of Node 24
# (never the machine's node, whose start-up alone would cost more than a shell agent's monitor).
# Every file is written beside its destination and renamed over it (scripts/install-file.sh):
# monitors keep running while an admin upgrades, and a half-copied runtime or agent would fail
# them ("bad interpreter", exit 126), which Pacemaker counts as a failure.
INSTALL_FILE := bash scripts/install-file.sh
install: build
	$(MAKE) --no-print-directory install-files

# Installs what dist/ holds, without building (the live-upgrade test runs it in a loop).
install-files:
	install -d $(DESTDIR)$(OCF_ROOT)/resource.d/ocfkit $(DESTDIR)$(LIBDIR) $(DESTDIR)$(SBINDIR)
	$(INSTALL_FILE) 0755 $(NODE24) $(DESTDIR)$(LIBDIR)/node
	for a in $(AGENTS); do \
		{ echo '#!$(LIBDIR)/node'; tail -n +2 dist/agents/$$a; } | $(INSTALL_FILE) 0755 - $(DESTDIR)$(OCF_ROOT)/resource.d/ocfkit/$$a || exit 1; \
		if [ -f dist/agents/$$a.map ]; then $(INSTALL_FILE) 0644 dist/agents/$$a.map $(DESTDIR)$(OCF_ROOT)/resource.d/ocfkit/$$a.map || exit 1; fi; \
	done
	if [ -f dist/bin/ocfkit.mjs ]; then \
		$(INSTALL_FILE) 0644 dist/bin/ocfkit.mjs $(DESTDIR)$(LIBDIR)/ocfkit.mjs && \
		printf '#!$(LIBDIR)/node\nimport("$(LIBDIR)/ocfkit.mjs");\n' | $(INSTALL_FILE) 0755 - $(DESTDIR)$(SBINDIR)/ocfkit; \
	fi

# The Debian package ocfkit_<version>_<arch>.deb in dist/ (needs dpkg-dev and binutils): the same
# files as install, plus man pages, bash completion and the copyright file (scripts/build-deb.sh).
deb: build
	DEB_ARCH=$(ARCH) bash scripts/build-deb.sh dist

uninstall:
	rm -rf $(DESTDIR)$(OCF_ROOT)/resource.d/ocfkit $(DESTDIR)$(LIBDIR) $(DESTDIR)$(SBINDIR)/ocfkit

typecheck: node_modules/.package-lock.json
	npx tsc -p tsconfig.json --noEmit

test: build
	bash scripts/run-tests.sh

check: typecheck test

# The pure tests (parsers, promotion table, generator, doctor rules), in parallel, in seconds: no
# root, no dist/, and no program but node on PATH (a test that needs one belongs in
# test/integration or test/contract). esbuild loads the TypeScript (test/helpers/esbuild-register.mjs;
# TAP_TYPE_STRIP_ONLY=1 keeps tap from loading ts-node as well).
JOBS ?= $(shell nproc)
test-unit: node_modules/.package-lock.json
	PATH=$$(dirname $(NODE24)) TAP_TYPE_STRIP_ONLY=1 $(NODE24) node_modules/.bin/tap --jobs=$(JOBS) \
		--node-arg=--import=./test/helpers/esbuild-register.mjs test/unit

# ESLint with typescript-eslint's type-aware rules (eslint.config.js); Prettier for the layout.
lint: node_modules/.package-lock.json
	npx eslint --max-warnings=0 .
	npx prettier --check --log-level=warn .

format: node_modules/.package-lock.json
	npx prettier --write .

format-check: node_modules/.package-lock.json
	npx prettier --check .

prove: install
	bash scripts/prove.sh

bench: install
	node scripts/run-ts.mjs bench/run.ts
	node scripts/run-ts.mjs bench/drbd-parse.ts
	bash test/vm/setup.sh
	node scripts/run-ts.mjs bench/drbd-vm.ts

# Failover of the whole stack in a real Pacemaker cluster, ocfkit vs upstream agents.
# both clusters: namespaces on shared storage, then the qemu VMs with real DRBD (~1 h under TCG)
bench-failover: install
	node scripts/run-ts.mjs bench/failover.ts --cluster namespace
	bash test/vm/setup.sh
	node scripts/run-ts.mjs bench/failover.ts --cluster vm

# The same on three qemu VMs with real DRBD 9 (quorum majority): heavy, about an hour for 3 runs.
.PHONY: bench-failover-vm9
bench-failover-vm9: build
	bash test/vm/setup.sh
	node scripts/run-ts.mjs bench/failover.ts --cluster vm9 --runs $${BENCH_RUNS:-3} --scenarios $${BENCH_SCENARIOS:-node-kill,standby}

# The cost of one monitor as the node carries more (mountinfo entries, addresses, DRBD resources),
# ocfkit vs upstream, plus what Node's compile cache / startup snapshot do to it (~5 min), then
# DRBD 8.4 with 1-200 resources in the qemu VMs (~10 min under TCG). Not part of .ci/run.
bench-scale: install
	node scripts/run-ts.mjs bench/scale.ts
	bash test/vm/setup.sh
	node scripts/run-ts.mjs bench/scale-drbd.ts

# Dual-primary DRBD 8.4 under GFS2 (or OCFS2: DP_FS=ocfs2) + DLM in the qemu VM cluster, with
# real fencing (issue 16): both nodes writing, the replication link cut (one node fenced), the
# fenced node back with a resync, one VM killed, the two-node wait_for_all trap
# (test/vm/extended/dual-primary.test.ts, ~12.5 min). Not part of .ci/run. DP_STACK=lvm: the same
# with the file system on an LV of a shared VG on DRBD (lvmlockd + LVM-activate, --shared-vg).
# DP_DRBD=9: the same on two VMs running DRBD 9 (9.2.19, crm-fence-peer.9.sh).
DP_FS ?= gfs2
DP_STACK ?=
DP_DRBD ?= 8.4
.PHONY: test-dual-primary
test-dual-primary: build
	bash test/vm/setup.sh
	OCFKIT_DP_FS=$(DP_FS) OCFKIT_DP_STACK=$(DP_STACK) OCFKIT_DP_DRBD=$(DP_DRBD) npx tap --timeout=1600 test/vm/extended/dual-primary.test.ts

# The drbd agent against ocf:linbit:drbd on three DRBD 9 VMs, and the stack
# under Pacemaker on them (both also run in .ci/run).
.PHONY: test-drbd9 test-drbd9-cluster
test-drbd9: build
	bash test/vm/setup.sh
	npx tap --timeout=1300 test/vm/drbd9-agent.test.ts
test-drbd9-cluster: build
	bash test/vm/setup.sh
	npx tap --timeout=1900 test/vm/cluster-drbd9.test.ts

clean:
	rm -rf dist .tap
