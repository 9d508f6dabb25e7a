package org.tcpbypass.api;

import com.google.common.base.MoreObjects;

import java.util.Objects;

import static com.google.common.base.Preconditions.checkArgument;

/**
 * One leg's TCP state as the proxy's socket of that leg reads it at hand-off (TCP_REPAIR, after quiescence).
 * Sequence numbers and timestamps are unsigned 32-bit values held in a {@code long}.
 */
public final class LegState {

    /** Largest unsigned 32-bit value. */
    public static final long MAX_U32 = 0xFFFF_FFFFL;
    /** Largest window-scale shift (RFC 7323). */
    public static final int MAX_WINDOW_SHIFT = 14;

    private final long sndNxt;
    private final long rcvNxt;
    private final int localWindowShift;
    private final int peerWindowShift;
    private final int mss;
    private final boolean sackPermitted;
    private final boolean timestamps;
    private final boolean ecn;
    private final long tsVal;
    private final long peerTsVal;

    private LegState(Builder b) {
        this.sndNxt = b.sndNxt;
        this.rcvNxt = b.rcvNxt;
        this.localWindowShift = b.localWindowShift;
        this.peerWindowShift = b.peerWindowShift;
        this.mss = b.mss;
        this.sackPermitted = b.sackPermitted;
        this.timestamps = b.timestamps;
        this.ecn = b.ecn;
        this.tsVal = b.tsVal;
        this.peerTsVal = b.peerTsVal;
    }

    /**
     * Returns the proxy's next sequence number on this leg.
     *
     * @return snd_nxt, 0..2^32-1
     */
    public long sndNxt() {
        return sndNxt;
    }

    /**
     * Returns the next sequence number the proxy expects from the peer.
     *
     * @return rcv_nxt, 0..2^32-1
     */
    public long rcvNxt() {
        return rcvNxt;
    }

    /**
     * Returns the window-scale shift the proxy announced on this leg; the peer scales the proxy's window by it.
     *
     * @return shift, 0..14
     */
    public int localWindowShift() {
        return localWindowShift;
    }

    /**
     * Returns the window-scale shift the peer announced; the proxy scales the peer's window by it.
     *
     * @return shift, 0..14
     */
    public int peerWindowShift() {
        return peerWindowShift;
    }

    /**
     * Returns the MSS the peer announced.
     *
     * @return MSS, 1..65535
     */
    public int mss() {
        return mss;
    }

    /**
     * Returns whether SACK was negotiated on this leg.
     *
     * @return true if SACK-permitted was exchanged
     */
    public boolean sackPermitted() {
        return sackPermitted;
    }

    /**
     * Returns whether timestamps were negotiated on this leg.
     *
     * @return true if both ends send timestamps
     */
    public boolean timestamps() {
        return timestamps;
    }

    /**
     * Returns whether ECN was negotiated on this leg (RFC 3168: the peer marks its segments ECN-capable and
     * answers congestion marks with ECE).
     *
     * @return true if both ends agreed on ECN in the handshake
     */
    public boolean ecn() {
        return ecn;
    }

    /**
     * Returns the TSval the proxy's socket sends now on this leg; 0 without timestamps.
     *
     * @return TSval, 0..2^32-1
     */
    public long tsVal() {
        return tsVal;
    }

    /**
     * Returns the last TSval received from the peer on this leg; 0 without timestamps.
     *
     * @return peer TSval, 0..2^32-1
     */
    public long peerTsVal() {
        return peerTsVal;
    }

    /**
     * Returns a new builder.
     *
     * @return builder
     */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof LegState)) {
            return false;
        }
        LegState that = (LegState) o;
        return sndNxt == that.sndNxt && rcvNxt == that.rcvNxt
                && localWindowShift == that.localWindowShift && peerWindowShift == that.peerWindowShift
                && mss == that.mss && sackPermitted == that.sackPermitted && timestamps == that.timestamps
                && ecn == that.ecn && tsVal == that.tsVal && peerTsVal == that.peerTsVal;
    }

    @Override
    public int hashCode() {
        return Objects.hash(sndNxt, rcvNxt, localWindowShift, peerWindowShift, mss,
                            sackPermitted, timestamps, ecn, tsVal, peerTsVal);
    }

    @Override
    public String toString() {
        return MoreObjects.toStringHelper(this)
                .add("sndNxt", sndNxt).add("rcvNxt", rcvNxt)
                .add("localWindowShift", localWindowShift).add("peerWindowShift", peerWindowShift)
                .add("mss", mss).add("sackPermitted", sackPermitted).add("timestamps", timestamps)
                .add("ecn", ecn)
                .add("tsVal", tsVal).add("peerTsVal", peerTsVal)
                .toString();
    }

    /**
     * Builds a leg state; {@link #build()} rejects out-of-range values naming the field.
     */
    public static final class Builder {
        private long sndNxt = -1;
        private long rcvNxt = -1;
        private int localWindowShift;
        private int peerWindowShift;
        private int mss = -1;
        private boolean sackPermitted;
        private boolean timestamps;
        private boolean ecn;
        private long tsVal;
        private long peerTsVal;

        private Builder() {
        }

        /**
         * Sets snd_nxt.
         *
         * @param sndNxt unsigned 32-bit sequence number
         * @return this builder
         */
        public Builder sndNxt(long sndNxt) {
            this.sndNxt = sndNxt;
            return this;
        }

        /**
         * Sets rcv_nxt.
         *
         * @param rcvNxt unsigned 32-bit sequence number
         * @return this builder
         */
        public Builder rcvNxt(long rcvNxt) {
            this.rcvNxt = rcvNxt;
            return this;
        }

        /**
         * Sets the shift the proxy announced.
         *
         * @param shift 0..14
         * @return this builder
         */
        public Builder localWindowShift(int shift) {
            this.localWindowShift = shift;
            return this;
        }

        /**
         * Sets the shift the peer announced.
         *
         * @param shift 0..14
         * @return this builder
         */
        public Builder peerWindowShift(int shift) {
            this.peerWindowShift = shift;
            return this;
        }

        /**
         * Sets the MSS the peer announced.
         *
         * @param mss 1..65535
         * @return this builder
         */
        public Builder mss(int mss) {
            this.mss = mss;
            return this;
        }

        /**
         * Sets whether SACK was negotiated.
         *
         * @param sackPermitted true if negotiated
         * @return this builder
         */
        public Builder sackPermitted(boolean sackPermitted) {
            this.sackPermitted = sackPermitted;
            return this;
        }

        /**
         * Sets whether timestamps were negotiated.
         *
         * @param timestamps true if negotiated
         * @return this builder
         */
        public Builder timestamps(boolean timestamps) {
            this.timestamps = timestamps;
            return this;
        }

        /**
         * Sets whether ECN was negotiated.
         *
         * @param ecn true if negotiated
         * @return this builder
         */
        public Builder ecn(boolean ecn) {
            this.ecn = ecn;
            return this;
        }

        /**
         * Sets the proxy's current TSval on this leg.
         *
         * @param tsVal unsigned 32-bit timestamp
         * @return this builder
         */
        public Builder tsVal(long tsVal) {
            this.tsVal = tsVal;
            return this;
        }

        /**
         * Sets the peer's last TSval on this leg.
         *
         * @param peerTsVal unsigned 32-bit timestamp
         * @return this builder
         */
        public Builder peerTsVal(long peerTsVal) {
            this.peerTsVal = peerTsVal;
            return this;
        }

        /**
         * Builds the leg state.
         *
         * @return leg state
         * @throws IllegalArgumentException naming the first field out of range
         */
        public LegState build() {
            checkU32("sndNxt", sndNxt);
            checkU32("rcvNxt", rcvNxt);
            checkShift("localWindowShift", localWindowShift);
            checkShift("peerWindowShift", peerWindowShift);
            checkArgument(mss >= 1 && mss <= TcpEndpoint.MAX_PORT, "mss: %s is not in 1..65535", mss);
            checkU32("tsVal", tsVal);
            checkU32("peerTsVal", peerTsVal);
            checkArgument(timestamps || (tsVal == 0 && peerTsVal == 0),
                          "tsVal: timestamps were not negotiated, tsVal and peerTsVal must be 0");
            return new LegState(this);
        }

        private static void checkU32(String field, long value) {
            checkArgument(value >= 0 && value <= MAX_U32, "%s: %s is not in 0..4294967295", field, value);
        }

        private static void checkShift(String field, int value) {
            checkArgument(value >= 0 && value <= MAX_WINDOW_SHIFT, "%s: %s is not in 0..14", field, value);
        }
    }
}
