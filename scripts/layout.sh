# Where the commands go, shared by scripts/install.sh (make install, the .deb), the man pages and
# the completion script. Sourced, not run.
# PREFIX/bin holds the binary and only names no other package uses; every command, plugins included,
# is a link in PREFIX/lib/metacheck/bin (like /usr/lib/nagios/plugins). Mackerel's packages ship
# check-tcp, check-uptime, mackerel-plugin-postfix, ... in /usr/bin: ours must not take them over.
path_names="delay-checker interval-checker periodic-checker"
plugin_dir=lib/metacheck/bin
# The wrappers' own smaller binary, which their links lead to (docs/benchmarks.md says why); not a
# command in PATH. The multi-call metacheck answers the wrapper names too.
wrappers_binary=lib/metacheck/metacheck-wrappers
