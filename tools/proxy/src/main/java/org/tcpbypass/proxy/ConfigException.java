package org.tcpbypass.proxy;

/** A configuration value or command-line flag is invalid; the message names it. */
public final class ConfigException extends Exception {
    private static final long serialVersionUID = 1L;

    /** An error naming the bad value. */
    public ConfigException(String message) {
        super(message);
    }
}
