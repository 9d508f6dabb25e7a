package org.tcpbypass.codec;

import static org.junit.Assert.assertEquals;
import static org.junit.Assert.fail;

/**
 * Assertions on decode failures.
 */
final class CodecAssertions {

    private CodecAssertions() {
    }

    /**
     * Asserts that decoding fails with exactly the given message.
     *
     * @param message expected {@code field: problem}
     * @param decode  decoding to run
     */
    static void assertInvalid(String message, Runnable decode) {
        try {
            decode.run();
            fail("expected " + message);
        } catch (InvalidFieldException e) {
            assertEquals(message, e.getMessage());
        }
    }
}
