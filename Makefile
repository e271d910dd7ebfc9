# MetaCheck: `make demo` builds the binary and shows the wrappers; `make test` runs every test.
PREFIX      ?= /usr/local
BUILD       ?= $(if $(METACHECK_BUILD),$(METACHECK_BUILD),build)
RELEASE_DIR := $(BUILD)/release
BINARY      := $(RELEASE_DIR)/metacheck
WRAPPERS    := $(RELEASE_DIR)/metacheck-wrappers
TEST_PREFIX := $(BUILD)/test-prefix
DEMO_PREFIX := $(BUILD)/demo-prefix
SOURCES     := $(shell find src -name '*.cs' -o -name '*.csproj' -o -name '*.props') Directory.Build.props Directory.Packages.props

.PHONY: all setup test-setup release install deb demo test bench mutation clean

all: release

# The build's needs only (make, install, demo, deb); make test adds the peers it starts (scripts/setup.sh).
setup:
	@scripts/setup.sh build

test-setup:
	@scripts/setup.sh test $(BUILD)

# Native AOT release binaries: net10.0 where its pack restores, else net9.0 (said on one line). One
# publish at a time: both build the same referenced projects.
define publish
	@tfm=$$(BUILD=$(BUILD) scripts/aot-framework.sh); \
	if [ "$$tfm" != net10.0 ]; then echo "note: .NET 10 NativeAOT runtime pack not available from the package source; building with $$tfm Native AOT"; fi; \
	mkdir -p $(BUILD); \
	if ! dotnet publish $(1) -c Release -r linux-x64 -f $$tfm -p:MetaCheckAotFramework=$$tfm \
	  -o $(RELEASE_DIR) -nologo -clp:NoSummary -v:q >$(BUILD)/publish.log 2>&1; then \
	  grep -E 'error|warning' $(BUILD)/publish.log | sort -u; echo "release build failed; see $(BUILD)/publish.log"; rm -f $@; exit 1; \
	fi; \
	grep -E 'warning' $(BUILD)/publish.log | sort -u || true
	@test -x $@
endef

$(BINARY): $(SOURCES) | setup
	$(call publish,src/Host/MetaCheck.csproj)

# The wrappers' own smaller binary (src/WrapperHost; docs/benchmarks.md says why).
$(WRAPPERS): $(SOURCES) $(BINARY)
	$(call publish,src/WrapperHost/MetaCheck.WrapperHost.csproj)

release: $(BINARY) $(WRAPPERS)

# bin/metacheck and the three wrappers; lib/metacheck/metacheck-wrappers; lib/metacheck/bin: a link per command (scripts/install.sh says why).
install: $(BINARY) $(WRAPPERS)
	@scripts/install.sh $(BINARY) $(DESTDIR)$(PREFIX)
	@echo "installed $(DESTDIR)$(PREFIX)/bin/metacheck, the wrappers beside it (links to lib/metacheck/metacheck-wrappers) and $$($(BINARY) --list | wc -l) command links in $(DESTDIR)$(PREFIX)/lib/metacheck/bin"

# Debian package: the same layout under /usr, docs and examples, man pages, completion, /var/lib/metacheck 0700.
deb: $(BINARY) $(WRAPPERS)
	@scripts/deb.sh $(BINARY) $(BUILD)

demo: $(BINARY) $(WRAPPERS)
	@$(MAKE) -s install PREFIX=$(abspath $(DEMO_PREFIX)) >/dev/null
	@PATH=$(abspath $(DEMO_PREFIX))/lib/metacheck/bin:$$PATH samples/demo.sh

test: test-setup $(BINARY) $(WRAPPERS)
	@rm -rf $(TEST_PREFIX) && $(MAKE) -s install PREFIX=$(abspath $(TEST_PREFIX)) >/dev/null
	@METACHECK_DEB=$$(realpath $$(scripts/deb.sh $(BINARY) $(BUILD))) METACHECK_NAGIOS4=$(abspath $(BUILD))/tools/nagios4/usr/sbin/nagios4 \
	  scripts/test.sh $(TEST_PREFIX)/lib/metacheck/bin

bench: $(BINARY) $(WRAPPERS)
	@cc -O2 -Wall -o $(BUILD)/bench-floor bench/floor/floor.c -lsqlite3
	@rm -rf $(BUILD)/bench-prefix && $(MAKE) -s install PREFIX=$(abspath $(BUILD)/bench-prefix) >/dev/null
	@tfm=$$(BUILD=$(BUILD) scripts/aot-framework.sh); \
	dotnet publish bench/hello/Hello.csproj -c Release -r linux-x64 -f $$tfm -o $(BUILD)/bench-hello -nologo -clp:NoSummary -v:q \
	  >$(BUILD)/bench-hello.log 2>&1 || { cat $(BUILD)/bench-hello.log; exit 1; }
	@python3 bench/run.py --bin $(BUILD)/bench-prefix/lib/metacheck/bin --hello $(BUILD)/bench-hello/hello --floor $(BUILD)/bench-floor --out docs/benchmarks.md

# Mutation testing of the pure logic (not part of `make test`; docs/testing.md): dotnet-stryker, a local tool
# pinned in .config/dotnet-tools.json, mutates these files of each project and runs the in-process tests
# (tests/MetaCheck.Tests/stryker-config.json) against each mutant. `make mutation MUTATION=Core` runs one project.
MUTATION          ?= Core State Wrappers Checks
MUTATE_Core       := Grammar.cs ThresholdRange.cs
MUTATE_State      := StateDirectory.cs CheckIdentity.cs
MUTATE_Wrappers   := DelayChecker.cs IntervalChecker.cs TimeRanges.cs
MUTATE_Checks     := PerfValue.cs CheckResult.cs DetailText.cs

mutation:
	@dotnet tool restore >/dev/null
	@set -e; $(foreach p,$(MUTATION),(cd tests/MetaCheck.Tests && dotnet tool run dotnet-stryker --config-file stryker-config.json \
	  --project MetaCheck.$(p).csproj $(foreach f,$(MUTATE_$(p)),--mutate '**/$(f)') --output $(abspath $(BUILD))/mutation/$(p));)
	@echo "reports: $(foreach p,$(MUTATION),$(BUILD)/mutation/$(p)/reports/mutation-report.html)"

clean:
	rm -rf $(BUILD)
