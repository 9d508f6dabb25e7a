package org.tcpbypass.cli;

import org.junit.rules.ExternalResource;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Captures what a command prints: AbstractShellCommand.print writes to System.out, error to System.err.
 */
final class ShellOutput extends ExternalResource {

    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private PrintStream savedOut;
    private PrintStream savedErr;

    @Override
    protected void before() {
        savedOut = System.out;
        savedErr = System.err;
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @Override
    protected void after() {
        System.setOut(savedOut);
        System.setErr(savedErr);
    }

    /**
     * Returns what was printed to standard output.
     *
     * @return text
     */
    String out() {
        return out.toString(StandardCharsets.UTF_8);
    }

    /**
     * Returns what was printed as errors.
     *
     * @return text
     */
    String err() {
        return err.toString(StandardCharsets.UTF_8);
    }
}
