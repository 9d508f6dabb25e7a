/**
 * Implementation of tcp-bypass: offload validation, bypass intents and their compilation to bypass-table flow
 * rules, the distributed record store, teardown and configuration.
 */
package org.tcpbypass.impl;
