/**
 * Offload-capable TCP proxy for stock Linux.
 */
package org.tcpbypass.proxy;
