package org.tcpbypass.lab.net;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the Linux tools the lab drives (ip, tc, ethtool, sysctl) and fails loudly when one fails.
 */
public final class Shell {

    private static final long TIMEOUT_SECONDS = 30;

    private Shell() {
    }

    /**
     * Runs a command and returns its standard output.
     *
     * @param command program and arguments
     * @return standard output
     * @throws IllegalStateException when it exits non-zero or does not finish in time
     */
    public static String run(String... command) {
        return run(Arrays.asList(command));
    }

    /**
     * Runs a command and returns its standard output.
     *
     * @param command program and arguments
     * @return standard output
     * @throws IllegalStateException when it exits non-zero or does not finish in time
     */
    public static String run(List<String> command) {
        Result r = tryRun(command);
        if (r.exitCode != 0) {
            throw new IllegalStateException(String.join(" ", command) + " exited " + r.exitCode + ": "
                                                    + r.stderr.trim());
        }
        return r.stdout;
    }

    /**
     * Runs a command inside a network namespace.
     *
     * @param namespace network namespace
     * @param command   program and arguments
     * @return standard output
     */
    public static String inNamespace(String namespace, String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
        full.addAll(Arrays.asList(command));
        return run(full);
    }

    /**
     * Runs a command and reports how it ended, whatever the exit code.
     *
     * @param command program and arguments
     * @return exit code and output
     */
    public static Result tryRun(List<String> command) {
        try {
            Process p = new ProcessBuilder(command).start();
            p.getOutputStream().close();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            Thread errReader = new Thread(() -> copy(p.getErrorStream(), err));
            errReader.start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException(String.join(" ", command) + " did not finish in "
                                                        + TIMEOUT_SECONDS + " s");
            }
            errReader.join(TimeUnit.SECONDS.toMillis(TIMEOUT_SECONDS));
            return new Result(p.exitValue(), out, err.toString(StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run " + command.get(0), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted running " + command.get(0), e);
        }
    }

    /**
     * Says whether a program is on PATH.
     *
     * @param program program name
     * @return true when found
     */
    public static boolean onPath(String program) {
        String path = System.getenv().getOrDefault("PATH", "");
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && new java.io.File(dir, program).canExecute()) {
                return true;
            }
        }
        return false;
    }

    private static void copy(InputStream in, ByteArrayOutputStream out) {
        try {
            in.transferTo(out);
        } catch (IOException e) {
            // The process died; what was read is what there is.
            out.writeBytes(("<stderr lost: " + e.getMessage() + ">").getBytes(StandardCharsets.UTF_8));
        }
    }

    /** How a command ended. */
    public static final class Result {
        public final int exitCode;
        public final String stdout;
        public final String stderr;

        Result(int exitCode, String stdout, String stderr) {
            this.exitCode = exitCode;
            this.stdout = stdout;
            this.stderr = stderr;
        }
    }
}
