#!/usr/bin/env bash
# The BMv2 lab in one command (run as root, from anywhere):
#   tools/lab/run-lab.sh [scenarios|figure|bench|all]     (default: scenarios)
# Needs simple_switch and simple_switch_CLI on PATH (built by hand outside the repository), plus Debian's
# iproute2, ethtool, nftables and gnuplot. Scenarios end with one line "N passed, N failed, N skipped".
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
what=${1:-scenarios}
mvn_lock=/tmp/tcp-bypass-mvn.lock
# The lab runs the project's bundles as built: pipeconf, app (a WAB), proxy, and the lab itself.
flock "$mvn_lock" mvn -B -q install -DskipTests -pl tools/lab -am
flock "$mvn_lock" mvn -B -q -pl tools/lab test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/lab.classpath
cp="tools/lab/target/test-classes:tools/lab/target/classes:$(cat tools/lab/target/lab.classpath)"
exec java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.lang.invoke=ALL-UNNAMED --add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.math=ALL-UNNAMED --add-opens java.base/java.net=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/java.text=ALL-UNNAMED --add-opens java.base/java.time=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.util.concurrent=ALL-UNNAMED --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens java.base/java.util.regex=ALL-UNNAMED \
    -cp "$cp" org.tcpbypass.lab.LabMain "$what" "$repo"
