package org.tcpbypass.lab.bmv2;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One long-lived simple_switch_CLI session over thrift: the lab's write path to BMv2, where ONOS would
 * use P4Runtime. Commands are serialized; each returns the CLI's answer or fails with its error text.
 */
public final class Bmv2Cli implements AutoCloseable {

    private static final String PROMPT = "RuntimeCmd: ";
    // Handles carry a version in their top bits: BMv2 prints them as signed 32-bit numbers.
    private static final Pattern HANDLE = Pattern.compile("added with handle (-?\\d+)");
    // simple_switch_CLI prints "name[handle]= (B bytes, P packets)".
    private static final Pattern COUNTER = Pattern.compile("\\((\\d+) bytes, (\\d+) packets\\)");
    private static final long ANSWER_TIMEOUT_MS = 10_000;

    private final Process process;
    private final BufferedWriter in;
    private final InputStream out;

    private Bmv2Cli(Process process) {
        this.process = process;
        this.in = new BufferedWriter(new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
        this.out = process.getInputStream();
    }

    /**
     * Opens a session to a running switch.
     *
     * @param thriftPort the switch's thrift port on 127.0.0.1
     * @return session
     */
    public static Bmv2Cli connect(int thriftPort) {
        try {
            ProcessBuilder pb = new ProcessBuilder("simple_switch_CLI", "--thrift-port", Integer.toString(thriftPort))
                    .redirectErrorStream(true);
            pb.environment().put("PYTHONUNBUFFERED", "1");
            Bmv2Cli cli = new Bmv2Cli(pb.start());
            cli.readAnswer();
            return cli;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start simple_switch_CLI", e);
        }
    }

    /**
     * Runs one CLI command.
     *
     * @param command the command line
     * @return the answer
     * @throws Bmv2Exception when the CLI reports an error
     */
    public synchronized String command(String command) {
        try {
            in.write(command);
            in.write('\n');
            in.flush();
            String answer = readAnswer();
            if (answer.contains("Error") || answer.contains("Invalid") || answer.contains("Traceback")) {
                throw new Bmv2Exception(command + ": " + answer.trim());
            }
            return answer;
        } catch (IOException e) {
            throw new UncheckedIOException("simple_switch_CLI session broke", e);
        }
    }

    /**
     * Adds a table entry.
     *
     * @param table  table name
     * @param action action name
     * @param match  match field values in key order (BMv2 CLI syntax, e.g. 0x0a&&&0xff for ternary)
     * @param params action parameters in order
     * @param priority priority for tables with ternary keys, or -1
     * @return entry handle
     */
    public long tableAdd(String table, String action, List<String> match, List<String> params, int priority) {
        StringBuilder sb = new StringBuilder("table_add ").append(table).append(' ').append(action);
        match.forEach(m -> sb.append(' ').append(m));
        sb.append(" =>");
        params.forEach(p -> sb.append(' ').append(p));
        if (priority >= 0) {
            sb.append(' ').append(priority);
        }
        String answer = command(sb.toString());
        Matcher m = HANDLE.matcher(answer);
        if (!m.find()) {
            throw new Bmv2Exception(sb + ": no entry handle in answer: " + answer.trim());
        }
        return Long.parseLong(m.group(1));
    }

    /**
     * Deletes a table entry.
     *
     * @param table  table name
     * @param handle entry handle
     */
    public void tableDelete(String table, long handle) {
        command("table_delete " + table + " " + handle);
    }

    /**
     * Reads a counter cell: a direct counter's of a table entry, or an indirect counter's at an index.
     *
     * @param counter counter name
     * @param handle  entry handle (direct counter) or cell index (indirect)
     * @return {packets, bytes}
     */
    public long[] counterRead(String counter, long handle) {
        String answer = command("counter_read " + counter + " " + handle);
        Matcher m = COUNTER.matcher(answer);
        if (!m.find()) {
            throw new Bmv2Exception("counter_read " + counter + " " + handle + ": " + answer.trim());
        }
        return new long[]{Long.parseLong(m.group(2)), Long.parseLong(m.group(1))};
    }

    /**
     * Sends clones of the given session to a port.
     *
     * @param session clone session id
     * @param port    egress port
     */
    public void mirroringAdd(int session, int port) {
        command("mirroring_add " + session + " " + port);
    }

    private String readAnswer() throws IOException {
        StringBuilder sb = new StringBuilder();
        long deadline = System.currentTimeMillis() + ANSWER_TIMEOUT_MS;
        byte[] buf = new byte[4096];
        while (!endsWithPrompt(sb)) {
            if (System.currentTimeMillis() > deadline || !process.isAlive() && out.available() == 0) {
                throw new Bmv2Exception("simple_switch_CLI gave no prompt; it said: " + sb.toString().trim());
            }
            if (out.available() == 0) {
                sleep();
                continue;
            }
            int n = out.read(buf);
            if (n < 0) {
                throw new Bmv2Exception("simple_switch_CLI ended; it said: " + sb.toString().trim());
            }
            sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
        return sb.substring(0, sb.length() - PROMPT.length());
    }

    private static boolean endsWithPrompt(StringBuilder sb) {
        return sb.length() >= PROMPT.length() && sb.substring(sb.length() - PROMPT.length()).equals(PROMPT);
    }

    private static void sleep() {
        try {
            Thread.sleep(0, 200_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Bmv2Exception("interrupted waiting for simple_switch_CLI");
        }
    }

    /** Ends the session. */
    @Override
    public void close() {
        try {
            in.close();
            if (!process.waitFor(3, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (IOException e) {
            process.destroyForcibly();
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
