#!/bin/bash
# Runs the proxy's netem tests inside User Mode Linux, for hosts whose kernel has no sch_netem (where the tests skip).
# UML boots Debian's user-mode-linux kernel on the host's own file system (hostfs, read-write: the run's Maven
# output lands in tools/proxy/target) and loads its netem, HTB, IFB, u32, mirred, clsact and veth modules by path.
#   apt-get install user-mode-linux kmod      # once, as root
#   tools/proxy/netem-tests-in-uml.sh [TESTS]  # as root; TESTS is a surefire -Dtest pattern (default NetemRampNetnsTest)
# Needs the Maven repository populated (the build has run once): Maven runs offline inside UML.
set -euo pipefail
repo=$(cd "$(dirname "$0")/../.." && pwd)
tests=${1:-NetemRampNetnsTest}
uml=$(command -v linux.uml || true)
[ -n "$uml" ] || { echo "no linux.uml on PATH: apt-get install user-mode-linux kmod" >&2; exit 2; }
command -v insmod >/dev/null || { echo "no insmod: apt-get install kmod" >&2; exit 2; }
modules=$(ls -d /usr/lib/uml/modules/*/kernel | head -1)
[ -d "$modules" ] || { echo "no UML modules under /usr/lib/uml/modules" >&2; exit 2; }
work=$(mktemp -d /tmp/tbp-uml.XXXXXX)
trap 'rm -rf "$work"' EXIT
cat > "$work/init" <<INIT
#!/bin/sh
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root
mount -t proc proc /proc; mount -t sysfs sys /sys; mount -t tmpfs tmp /run; mount -t tmpfs tmp /dev/shm
mkdir -p /run/netns
for m in net/sched/sch_netem net/sched/sch_htb net/sched/sch_ingress net/sched/sch_tbf net/sched/act_mirred \
         net/sched/cls_u32 drivers/net/ifb drivers/net/veth net/ipv4/inet_diag net/ipv4/tcp_diag; do
    insmod $modules/\$m.ko 2>/dev/null || true
done
cd $repo && mvn -o -B test -pl tools/proxy -Dtest='$tests' -Dsurefire.failIfNoSpecifiedTests=false > $work/out 2>&1
echo \$? > $work/rc
poweroff -f
INIT
chmod +x "$work/init"
echo "booting $uml ($(basename "$(dirname "$modules")")) for $tests ..."
timeout 1800 "$uml" mem=4G root=/dev/root rootfstype=hostfs rootflags=/ rw init="$work/init" \
    con0=fd:0,fd:1 con=null > "$work/console" 2>&1 || true
grep -E "Tests run:|FAIL|skipped" "$work/out" || tail -40 "$work/console"
rc=$(cat "$work/rc" 2>/dev/null || echo 1)
grep -h -A1 "<skipped" "$repo"/tools/proxy/target/surefire-reports/TEST-*.xml 2>/dev/null | grep -o 'message="[^"]*"' || true
exit "$rc"
