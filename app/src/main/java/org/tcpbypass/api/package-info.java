/**
 * Public API of tcp-bypass: offload requests, bypass records, translation and the bypass service.
 */
package org.tcpbypass.api;
