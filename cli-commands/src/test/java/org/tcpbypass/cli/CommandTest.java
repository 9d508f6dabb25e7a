package org.tcpbypass.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.karaf.shell.api.action.Action;
import org.apache.karaf.shell.impl.action.command.DefaultActionPreparator;
import org.junit.After;
import org.junit.Before;
import org.junit.Rule;
import org.onlab.osgi.TestServiceDirectory;
import org.onosproject.codec.CodecService;
import org.onosproject.codec.JsonCodec;
import org.onosproject.codec.impl.CodecManager;
import org.onosproject.core.ApplicationId;
import org.onosproject.core.CoreService;
import org.onosproject.core.CoreServiceAdapter;
import org.tcpbypass.api.BypassService;
import org.tcpbypass.codec.BypassCodecRegistrar;

import java.io.IOException;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;

import static org.easymock.EasyMock.createMock;
import static org.easymock.EasyMock.replay;
import static org.easymock.EasyMock.verify;
import static org.junit.Assert.assertTrue;

/**
 * Base of the command tests: an EasyMock'd bypass service, ONOS's codec service with ONOS's own codecs and
 * tcp-bypass's (registered by the app's real registrar), and the shell's output.
 *
 * <p>ONOS 2.7's AbstractShellCommand looks services up through OSGi only (DefaultServiceDirectory, no setter),
 * and execute() first asks for the AuditService; so the tests let Karaf's own preparator parse the command line
 * into a command whose service and codec look-ups are pointed at this directory, then run doExecute().
 */
public abstract class CommandTest {

    @Rule
    public final ShellOutput shell = new ShellOutput();

    protected final BypassService bypassService = createMock(BypassService.class);
    protected final TestServiceDirectory services = new TestServiceDirectory();
    protected final CodecManager codecs = new CodecManager();

    private final ObjectMapper mapper = new ObjectMapper();

    @Before
    public void setUpServices() {
        codecs.activate();
        new Registrar(codecs);
        services.add(BypassService.class, bypassService)
                .add(CodecService.class, codecs)
                .add(CoreService.class, new CoreServiceAdapter() {
                    @Override
                    public ApplicationId getAppId(Short id) {
                        return Short.valueOf(TestBypasses.APP_ID.id()).equals(id) ? TestBypasses.APP_ID : null;
                    }
                });
    }

    /**
     * Arms the bypass service mock once its expectations are recorded.
     */
    protected void replayService() {
        replay(bypassService);
    }

    @After
    public void verifyService() {
        verify(bypassService);
    }

    /**
     * Fills a command's arguments and options from a command line, as the Karaf shell does: Karaf's own preparator
     * parses the line into an instance of the command class (it reads the class's {@code @Command}), whose fields
     * are then copied into the test's instance of it.
     *
     * @param command   test instance, an anonymous subclass of the command class
     * @param arguments words after the command name, separated by spaces
     * @param <A>       command type
     * @return the test instance
     * @throws Exception if Karaf refuses the command line
     */
    protected static <A extends Action> A parse(A command, String arguments) throws Exception {
        Class<?> commandClass = command.getClass().getSuperclass();
        Action parsed = (Action) commandClass.getDeclaredConstructor().newInstance();
        List<Object> words = arguments.isEmpty() ? List.of() : Arrays.asList((Object[]) arguments.split(" +"));
        assertTrue("printed usage", new DefaultActionPreparator().prepare(parsed, null, words));
        for (Class<?> c = commandClass; c != Object.class; c = c.getSuperclass()) {
            for (Field field : c.getDeclaredFields()) {
                if (!Modifier.isStatic(field.getModifiers())) {
                    field.setAccessible(true);
                    field.set(command, field.get(parsed));
                }
            }
        }
        return command;
    }

    /**
     * Returns the service registered for a type.
     *
     * @param type service type
     * @param <T>  service type
     * @return service, or null
     */
    protected <T> T service(Class<T> type) {
        return services.get(type);
    }

    /**
     * Returns the codec registered for a type.
     *
     * @param type entity type
     * @param <T>  entity type
     * @return codec, or null
     */
    protected <T> JsonCodec<T> codecFor(Class<T> type) {
        return codecs.getCodec(type);
    }

    /**
     * Parses what the command printed as JSON.
     *
     * @return JSON tree
     * @throws IOException if the output is not JSON
     */
    protected JsonNode json() throws IOException {
        return mapper.readTree(shell.out());
    }

    /** Registers tcp-bypass's codecs the way the app does on activation. */
    private static final class Registrar extends BypassCodecRegistrar {
        private Registrar(CodecService codecService) {
            this.codecService = codecService;
            activate();
        }
    }
}
