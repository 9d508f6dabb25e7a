#!/usr/bin/env bash
# Where the relay threads' CPU goes, copying vs splicing: runs RelayNetnsTest#throughputAndCpuPerGigabyte with perf
# recording each proxy (call graphs), keeps the samples of its relay-* threads inside the measured transfer (the
# window the test writes to target/relay-windows.txt), sorts each into one kind of work by its call stack and turns
# the shares into CPU s/GB with the test's measured relay-thread figure. Needs root, perf (Debian: linux-perf) and
# what the proxy suite needs. Usage: tools/proxy/relay-profile.sh [extra mvn args, e.g. -o]
set -euo pipefail
cd "$(dirname "$0")"
command -v perf >/dev/null || { echo "relay-profile: perf is not on PATH (Debian: linux-perf)" >&2; exit 2; }
out=$(mktemp -d /tmp/relay-profile.XXXXXX)
rm -f target/relay-windows.txt

record() {
    local mode=$1 pid=""
    for _ in $(seq 1 3000); do
        pid=$(pgrep -f -- "--relay $mode" | head -1 || true)
        [ -n "$pid" ] && break
        sleep 0.1
    done
    [ -n "$pid" ] || { echo "relay-profile: no --relay $mode proxy started" >&2; return 1; }
    # CLOCK_MONOTONIC: the clock of the test's System.nanoTime window.
    perf record -q -k CLOCK_MONOTONIC -F 2000 -g -p "$pid" -o "$out/$mode.data" 2>"$out/$mode.err" &
    local perf_pid=$!
    # Until the proxy exits: a zombie the test has not reaped yet has exited too.
    while [ -e "/proc/$pid" ] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status" 2>/dev/null; do sleep 0.1; done
    kill -INT "$perf_pid" 2>/dev/null || true
    wait "$perf_pid" || true
}

(record copy && record splice) &
recorder=$!
mvn -B "$@" test -Dtest='RelayNetnsTest#throughputAndCpuPerGigabyte' >"$out/mvn.log" 2>&1 \
    || { echo "relay-profile: the test failed, see $out/mvn.log" >&2; kill "$recorder" 2>/dev/null; exit 1; }
wait "$recorder"

for mode in copy splice; do
    # The test's last figure line for this relay: "relay threads X s = Y CPU s/GB".
    per_gb=$(grep "^relay $mode:" target/proxy-figures.txt | tail -1 \
             | sed -E 's/.*relay threads [0-9.]+ s = ([0-9.]+) CPU s\/GB.*/\1/')
    window=$(awk -v m="$mode" '$1 == m { w = $2 "," $3 } END { print w }' target/relay-windows.txt)
    perf script -i "$out/$mode.data" --time "$window" --comms relay-0,relay-1,relay-2,relay-3 -F comm,ip,sym \
        2>/dev/null |
    awk -v mode="$mode" -v per_gb="$per_gb" '
        # One sample: a "comm" line, then its frames (leaf first), then a blank line.
        function kind(   i, s, leaf) {
            leaf = frame[1]
            if (leaf ~ /^(rep_movs_alternative|copy_user_generic.*|_copy_to_iter|_copy_from_iter|memcpy_orig|__check_object_size|check_heap_object|__virt_addr_valid|skb_copy_datagram_iter|__skb_datagram_iter|simple_copy_to_iter)$/)
                return "copying bytes"
            for (i = 1; i <= n; i++) s[frame[i]] = 1
            if (("splice_to_socket" in s || "splice_file_to_pipe" in s) \
                && leaf ~ /splice|pipe|pagefrag|iov_iter_extract|get_page|put_page|folio/)
                return "splice page handling"
            if ("net_rx_action" in s) return "softirq receive (both namespaces)"
            if ("tcp_write_xmit" in s || "__tcp_push_pending_frames" in s || "tcp_sendmsg_locked" in s) return "TCP send"
            if ("tcp_recvmsg" in s || "__tcp_read_sock" in s || "tcp_splice_read" in s) return "TCP receive"
            for (i = 1; i <= n; i++) if (frame[i] ~ /epoll/) return "epoll"
            if ("do_syscall_64" in s) return "other kernel in system calls"
            return "JVM and Java code"
        }
        function flush() { if (n > 0) { count[kind()]++; total++ } n = 0 }
        /^[^ \t]/ { flush(); next }
        /^[ \t]*$/ { flush(); next }
        { sub(/^[ \t]*[0-9a-f]+ /, ""); frame[++n] = $0 }
        END {
            flush()
            printf "relay %s: %d samples of its relay threads in the measured transfer, %s CPU s/GB\n", mode, total, per_gb
            for (k in count) printf "  %5.1f %%  %.2f CPU s/GB  %s\n", 100 * count[k] / total, per_gb * count[k] / total, k
        }' | { read -r head; echo "$head"; sort -rn; }
done
echo "perf data and test log: $out"
