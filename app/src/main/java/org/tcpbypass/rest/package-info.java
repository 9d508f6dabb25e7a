/**
 * REST API of tcp-bypass, mounted under {@code /onos/tcp-bypass}: offloads, connection reports, proxies and
 * statistics (see docs/offload-protocol.md).
 */
package org.tcpbypass.rest;
