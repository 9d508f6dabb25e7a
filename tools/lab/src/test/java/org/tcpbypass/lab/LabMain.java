package org.tcpbypass.lab;

import org.junit.runner.Description;
import org.junit.runner.JUnitCore;
import org.junit.runner.notification.Failure;
import org.junit.runner.notification.RunListener;
import org.tcpbypass.lab.scenario.BypassScenariosTest;
import org.tcpbypass.lab.scenario.Benchmarks;
import org.tcpbypass.lab.scenario.RttRampFigure;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.HashSet;
import java.util.Set;

/**
 * The lab's one command: {@code tools/lab/run-lab.sh [scenarios|figure|bench|offloads|all]}. Scenarios end with one
 * summary line "N passed, N failed, N skipped".
 */
public final class LabMain {

    private LabMain() {
    }

    /**
     * Runs the lab.
     *
     * @param args scenarios (default), figure, bench, offloads (the offload-rate benchmark alone) or all; then
     *             optionally the repository root
     */
    public static void main(String[] args) throws Exception {
        String what = args.length > 0 ? args[0] : "scenarios";
        Path repo = Paths.get(args.length > 1 ? args[1] : ".").toAbsolutePath().normalize();
        System.setProperty("lab.repo", repo.toString());
        int failed = 0;
        if (what.equals("scenarios") || what.equals("all")) {
            failed += scenarios();
        }
        if (what.equals("figure") || what.equals("all")) {
            failed += RttRampFigure.run(repo) ? 0 : 1;
        }
        if (what.equals("bench") || what.equals("all")) {
            failed += Benchmarks.run(repo) ? 0 : 1;
        }
        if (what.equals("offloads")) {
            failed += Benchmarks.offloads(repo) ? 0 : 1;
        }
        if (!Set.of("scenarios", "figure", "bench", "offloads", "all").contains(what)) {
            System.err.println("usage: run-lab.sh [scenarios|figure|bench|offloads|all]");
            System.exit(2);
        }
        System.exit(failed == 0 ? 0 : 1);
    }

    private static int scenarios() {
        Tally tally = new Tally();
        JUnitCore junit = new JUnitCore();
        junit.addListener(tally);
        junit.run(BypassScenariosTest.class);
        System.out.println(tally.passed() + " passed, " + tally.failed.size() + " failed, " + tally.skipped.size()
                                   + " skipped");
        return tally.failed.size();
    }

    // Counts per test; an assumption failing in @BeforeClass skips every test of the class.
    private static final class Tally extends RunListener {
        final Set<String> started = new HashSet<>();
        final Set<String> failed = new HashSet<>();
        final Set<String> skipped = new HashSet<>();

        @Override
        public void testStarted(Description d) {
            started.add(d.getDisplayName());
        }

        @Override
        public void testFailure(Failure f) {
            failed.add(f.getDescription().getDisplayName());
            System.out.println("FAILED " + f.getDescription().getMethodName() + ": " + f.getMessage());
        }

        @Override
        public void testAssumptionFailure(Failure f) {
            Description d = f.getDescription();
            if (d.isSuite()) {
                for (java.lang.reflect.Method m : BypassScenariosTest.class.getMethods()) {
                    if (m.isAnnotationPresent(org.junit.Test.class)) {
                        skipped.add(m.getName());
                    }
                }
            } else {
                skipped.add(d.getDisplayName());
            }
            System.out.println("SKIPPED " + (d.getMethodName() == null ? "all scenarios" : d.getMethodName()) + ": "
                                       + f.getMessage());
        }

        @Override
        public void testFinished(Description d) {
            if (!failed.contains(d.getDisplayName()) && !skipped.contains(d.getDisplayName())) {
                System.out.println("PASSED " + d.getMethodName());
            }
        }

        int passed() {
            return (int) started.stream().filter(n -> !failed.contains(n) && !skipped.contains(n)).count();
        }
    }
}
