/**
 * ONOS pipeconf for the tcp-bypass P4 pipeline on BMv2: pipeline model, interpreter and pipeliner.
 */
package org.tcpbypass.pipeconf;
