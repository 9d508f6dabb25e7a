package org.tcpbypass.cli;

import com.google.common.collect.ImmutableSet;
import org.apache.felix.gogo.runtime.threadio.ThreadIOImpl;
import org.apache.karaf.shell.api.action.Command;
import org.apache.karaf.shell.api.action.Completion;
import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.apache.karaf.shell.api.console.Session;
import org.apache.karaf.shell.impl.action.command.ManagerImpl;
import org.apache.karaf.shell.impl.console.SessionFactoryImpl;
import org.junit.After;
import org.junit.Before;
import org.junit.Test;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.PrintStream;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.assertFalse;
import static org.junit.Assert.assertNotNull;
import static org.junit.Assert.assertTrue;
import static org.junit.Assert.fail;

/**
 * Registers the package the way Karaf does for a bundle with {@code Karaf-Commands: org.tcpbypass.cli} (every
 * {@code @Service} class of the package, through Karaf 4.2.9's own action manager) and drives a real Karaf shell
 * session: discovery through help, usage, and the shell's own argument checks.
 */
public class KarafShellTest {

    private static final Set<String> COMMANDS = ImmutableSet.of(
            "bypass-list", "bypass-show", "bypass-offload", "bypass-release", "bypass-stats", "bypass-proxies");

    private final ThreadIOImpl threadIO = new ThreadIOImpl();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private final List<Class<?>> services = new ArrayList<>();
    private SessionFactoryImpl factory;
    private Session session;

    @Before
    public void setUp() throws Exception {
        threadIO.start();
        factory = new SessionFactoryImpl(threadIO);
        ManagerImpl manager = new ManagerImpl(factory, factory, true);
        File classes = new File(BypassListCommand.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        String[] names = new File(classes, BypassListCommand.class.getPackageName().replace('.', '/')).list();
        for (String name : names) {
            Class<?> type = Class.forName(BypassListCommand.class.getPackageName() + "."
                                                  + name.substring(0, name.length() - ".class".length()));
            if (type.isAnnotationPresent(Service.class)) {
                services.add(type);
                manager.register(type);
            }
        }
        session = factory.create(new ByteArrayInputStream(new byte[0]),
                                 new PrintStream(out, true, StandardCharsets.UTF_8),
                                 new PrintStream(err, true, StandardCharsets.UTF_8));
    }

    @After
    public void tearDown() {
        session.close();
        factory.stop();
        threadIO.stop();
    }

    /** Runs a command line in the session and returns what it printed, without terminal styling. */
    private String run(String line) throws Exception {
        out.reset();
        session.execute(line);
        return out.toString(StandardCharsets.UTF_8).replaceAll("\u001B\\[[0-9;]*m", "");
    }

    @Test
    public void packageHoldsTheSixCommandsInTheOnosScope() {
        Set<String> found = services.stream()
                .filter(s -> s.isAnnotationPresent(Command.class))
                .map(s -> s.getAnnotation(Command.class))
                .peek(c -> assertEquals(c.name(), "onos", c.scope()))
                .peek(c -> assertFalse(c.name(), c.description().isEmpty()))
                .map(Command::name)
                .collect(Collectors.toSet());
        assertEquals(COMMANDS, found);
    }

    @Test
    public void helpListsEveryBypassCommandWithItsDescription() throws Exception {
        String help = run("help onos:bypass");
        for (Class<?> s : services) {
            Command c = s.getAnnotation(Command.class);
            if (c != null) {
                String line = help.lines().filter(l -> l.startsWith("onos:" + c.name() + " ")).findFirst()
                        .orElseThrow(() -> new AssertionError(c.name() + " missing from help:\n" + help));
                String start = c.description().substring(0, Math.min(40, c.description().length()));
                assertTrue(line + " lacks " + start, line.contains(start));
            }
        }
        assertEquals(COMMANDS.size(), help.lines().filter(l -> l.startsWith("onos:bypass-")).count());
    }

    @Test
    public void usageNamesArgumentsAndOptions() throws Exception {
        String usage = run("bypass-offload --help");
        assertTrue(usage, usage.contains("onos:bypass-offload [options] deviceId proxy client vip proxyAddress server"));
        assertTrue(usage, usage.contains("-c, --client-leg"));
        assertTrue(usage, usage.contains("--server-attachment"));
        assertTrue(usage, usage.contains("-j, --json"));
        String release = run("bypass-release --help");
        assertTrue(release, release.contains("onos:bypass-release [options] [id]"));
        assertTrue(release, release.contains("-a, --all"));
        assertTrue(release, release.contains("-d, --device"));
    }

    @Test
    public void shellRefusesAnUndefinedOption() {
        assertRefused("bypass-release --bogus", "Undefined option: --bogus");
    }

    @Test
    public void shellRefusesAMissingRequiredArgument() {
        assertRefused("bypass-show", "Argument id is required");
    }

    @Test
    public void shellRefusesAMissingRequiredOption() {
        assertRefused("bypass-offload -c sndNxt=1,rcvNxt=1,mss=1460 device:bmv2:s1 proxy1 198.18.0.1:40000"
                              + " 198.18.0.100:80 198.18.0.2:51000 198.18.0.3:8080", "Option -s is required");
    }

    private void assertRefused(String line, String message) {
        try {
            session.execute(line);
            fail(line + " was accepted");
        } catch (Exception e) {
            assertEquals(message, e.getMessage());
        }
    }

    @Test
    public void optionsGoBeforeArguments() {
        // Karaf reads every word after the first argument as an argument.
        assertRefused("bypass-offload device:bmv2:s1 proxy1 198.18.0.1:40000 198.18.0.100:80 198.18.0.2:51000"
                              + " 198.18.0.3:8080 -c sndNxt=1,rcvNxt=1,mss=1460", "Too many arguments specified");
    }

    @Test
    public void documentedCommandLinesGetThroughTheShellToTheCommand() throws Exception {
        // Outside OSGi a command stops at ONOS's AuditService look-up, printing one line to the session: reaching
        // it proves the shell's tokenizer and Karaf's preparator accepted the line and started the command.
        session.execute("bypass-offload"
                                + " -c sndNxt=1000,rcvNxt=2000,localWindowShift=7,peerWindowShift=7,mss=1460,"
                                + "sackPermitted=true,timestamps=true,tsVal=500,peerTsVal=900"
                                + " -s sndNxt=3000,rcvNxt=4000,localWindowShift=7,peerWindowShift=7,mss=1460,"
                                + "sackPermitted=true,timestamps=true,tsVal=700,peerTsVal=100"
                                + " --client-attachment 1/00:00:00:00:00:01"
                                + " device:bmv2:s1 proxy1 198.18.0.1:40000 198.18.0.100:80 198.18.0.2:51000"
                                + " 198.18.0.3:8080");
        session.execute("bypass-list -s bypassed -d device:bmv2:s1 -j");
        session.execute("bypass-release --all --device device:bmv2:s1");
        String notFound = "Service org.onosproject.security.AuditService not found\n";
        assertEquals(notFound + notFound + notFound, err.toString(StandardCharsets.UTF_8));
    }

    @Test
    public void everyCompleterACommandNamesIsRegistered() {
        int completions = 0;
        for (Class<?> s : services) {
            for (Field f : s.getDeclaredFields()) {
                Completion completion = f.getAnnotation(Completion.class);
                if (completion != null) {
                    completions++;
                    assertNotNull(s.getSimpleName() + "." + f.getName(), factory.getService(completion.value()));
                }
            }
        }
        assertEquals(7, completions);
    }
}
