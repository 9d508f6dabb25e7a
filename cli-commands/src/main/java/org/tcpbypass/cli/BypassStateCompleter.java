package org.tcpbypass.cli;

import org.apache.karaf.shell.api.action.lifecycle.Service;
import org.onosproject.cli.AbstractChoicesCompleter;
import org.tcpbypass.api.BypassState;

import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/**
 * Completes bypass states.
 */
@Service
public class BypassStateCompleter extends AbstractChoicesCompleter {

    @Override
    protected List<String> choices() {
        return Arrays.stream(BypassState.values()).map(Enum::name).collect(Collectors.toList());
    }
}
