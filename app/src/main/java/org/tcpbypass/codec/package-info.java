/**
 * JSON codecs of tcp-bypass's model, registered with ONOS's codec service; decoders reject bad input naming the
 * field.
 */
package org.tcpbypass.codec;
