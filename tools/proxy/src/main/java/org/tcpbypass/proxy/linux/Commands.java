package org.tcpbypass.proxy.linux;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a system command (nft, tc) with a script on standard input, bounded in time. */
public final class Commands {
    private static final long TIMEOUT_SECONDS = 10;

    private Commands() {
    }

    /**
     * Runs {@code command}, feeding {@code input} to it.
     *
     * @throws IOException with the command's own error output when it fails
     */
    public static void run(List<String> command, String input) throws IOException {
        output(command, input);
    }

    /**
     * Runs {@code command}, feeding {@code input} to it, and returns what it printed (standard output and error).
     *
     * @throws IOException with the command's own error output when it fails
     */
    public static String output(List<String> command, String input) throws IOException {
        Process p;
        try {
            p = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            throw new IOException("cannot run " + command.get(0) + ": " + e.getMessage(), e);
        }
        try (OutputStream in = p.getOutputStream()) {
            in.write(input.getBytes(StandardCharsets.UTF_8));
        }
        try {
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " timed out");
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new IOException(String.join(" ", command) + " interrupted", e);
        }
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        if (p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed (exit " + p.exitValue() + "): " + output);
        }
        return output;
    }
}
