/**
 * The lab's P4Runtime 1.2 client for simple_switch_grpc: what ONOS 2.7's P4Runtime protocol and driver
 * layers do for the tcp-bypass pipeconf (pipeline push, arbitration, table writes, direct-counter reads,
 * packet I/O on the stream channel, clone sessions), encoded as ONOS 2.7's codecs encode it.
 */
package org.tcpbypass.lab.p4runtime;
