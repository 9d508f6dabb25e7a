/**
 * Karaf shell commands to inspect and drive tcp-bypass.
 */
package org.tcpbypass.cli;
