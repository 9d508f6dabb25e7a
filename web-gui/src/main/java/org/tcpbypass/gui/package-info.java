/**
 * ONOS web UI extension: the TCP Bypass table view and topology overlay.
 */
package org.tcpbypass.gui;
