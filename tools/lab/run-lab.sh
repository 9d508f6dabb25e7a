#!/usr/bin/env bash
# The BMv2 lab in one command (run as root, from anywhere):
#   tools/lab/run-lab.sh [scenarios|figure|bench|offloads|all]     (default: scenarios)
# Needs BMv2 on PATH (built by hand outside the repository): simple_switch_grpc (P4Runtime, as ONOS drives it) or
# else simple_switch (the thrift fallback), and simple_switch_CLI; plus Debian's iproute2, ethtool, nftables and
# gnuplot. Scenarios end with one line "N passed, N failed, N skipped"; the lab logs which path it used, and the
# offload benchmark prints "offloads_per_s=X path=p4runtime|thrift". LAB_MVN_ARGS adds Maven arguments (e.g. -o).
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
cd "$repo"
what=${1:-scenarios}
mvn_lock=/tmp/tcp-bypass-mvn.lock
# The lab runs the project's bundles as built: pipeconf, app (a WAB), proxy, and the lab itself.
flock "$mvn_lock" mvn ${LAB_MVN_ARGS:-} -B -q install -DskipTests -pl tools/lab -am
flock "$mvn_lock" mvn ${LAB_MVN_ARGS:-} -B -q -pl tools/lab test-compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile=target/lab.classpath
cp="tools/lab/target/test-classes:tools/lab/target/classes:$(cat tools/lab/target/lab.classpath)"
exec java --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.lang=ALL-UNNAMED --add-opens java.base/java.lang.invoke=ALL-UNNAMED --add-opens java.base/java.lang.reflect=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED --add-opens java.base/java.math=ALL-UNNAMED --add-opens java.base/java.net=ALL-UNNAMED --add-opens java.base/java.nio=ALL-UNNAMED --add-opens java.base/java.text=ALL-UNNAMED --add-opens java.base/java.time=ALL-UNNAMED --add-opens java.base/java.util=ALL-UNNAMED --add-opens java.base/java.util.concurrent=ALL-UNNAMED --add-opens java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens java.base/java.util.regex=ALL-UNNAMED \
    -cp "$cp" org.tcpbypass.lab.LabMain "$what" "$repo"
