package org.tcpbypass.api;

import com.google.common.base.MoreObjects;

import java.util.Objects;

import static com.google.common.base.Preconditions.checkNotNull;

/**
 * What an offload request under an idempotency key came to: the record it made, or the record an earlier request
 * with the same key made (the proxy retried because it lost the first answer).
 */
public final class OffloadOutcome {

    private final Bypass bypass;
    private final boolean repeated;

    private OffloadOutcome(Bypass bypass, boolean repeated) {
        this.bypass = checkNotNull(bypass, "bypass");
        this.repeated = repeated;
    }

    /**
     * Returns the outcome of a request that made a record.
     *
     * @param bypass the new record
     * @return outcome
     */
    public static OffloadOutcome created(Bypass bypass) {
        return new OffloadOutcome(bypass, false);
    }

    /**
     * Returns the outcome of a repeated request.
     *
     * @param bypass the record the first request with the key made, as it is now
     * @return outcome
     */
    public static OffloadOutcome repeated(Bypass bypass) {
        return new OffloadOutcome(bypass, true);
    }

    /**
     * Returns the record.
     *
     * @return record
     */
    public Bypass bypass() {
        return bypass;
    }

    /**
     * Returns whether an earlier request with the same key made the record.
     *
     * @return true for a repeated request
     */
    public boolean isRepeated() {
        return repeated;
    }

    @Override
    public boolean equals(Object o) {
        if (this == o) {
            return true;
        }
        if (!(o instanceof OffloadOutcome)) {
            return false;
        }
        OffloadOutcome that = (OffloadOutcome) o;
        return repeated == that.repeated && bypass.equals(that.bypass);
    }

    @Override
    public int hashCode() {
        return Objects.hash(bypass, repeated);
    }

    @Override
    public String toString() {
        return MoreObjects.toStringHelper(this).add("bypass", bypass).add("repeated", repeated).toString();
    }
}
