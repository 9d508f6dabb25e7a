package org.tcpbypass.proxy.relay;

import java.nio.ByteBuffer;

/** Follows TLS record boundaries in one direction of a stream and notes the first application-data record. */
final class TlsRecords {
    private static final int APPLICATION_DATA = 23;
    private final byte[] header = new byte[5];
    private int headerFill;
    private long bodyLeft;
    private boolean applicationData;
    private boolean notTls;

    /** Consumes the bytes between position and limit of {@code data} (its position is unchanged). */
    void feed(ByteBuffer data) {
        for (int i = data.position(); i < data.limit() && !applicationData && !notTls; ) {
            if (bodyLeft > 0) {
                int skip = (int) Math.min(bodyLeft, data.limit() - i);
                bodyLeft -= skip;
                i += skip;
                continue;
            }
            header[headerFill++] = data.get(i++);
            if (headerFill == header.length) {
                headerFill = 0;
                int type = header[0] & 0xff;
                if (type < 20 || type > 24 || header[1] != 3) {
                    notTls = true;
                } else if (type == APPLICATION_DATA) {
                    applicationData = true;
                }
                bodyLeft = ((header[3] & 0xff) << 8) | (header[4] & 0xff);
            }
        }
    }

    /** Whether an application-data record header has been seen. */
    boolean sawApplicationData() {
        return applicationData;
    }
}
