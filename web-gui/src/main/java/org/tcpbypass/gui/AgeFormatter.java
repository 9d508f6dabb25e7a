package org.tcpbypass.gui;

import org.onosproject.ui.table.CellFormatter;
import org.onosproject.ui.table.cell.AbstractCellFormatter;

/**
 * Formats an age in milliseconds as the two most significant units, e.g. {@code 45s}, {@code 3m 07s},
 * {@code 2h 05m}, {@code 3d 04h}.
 */
final class AgeFormatter extends AbstractCellFormatter {

    /** The formatter. */
    static final CellFormatter INSTANCE = new AgeFormatter();

    private AgeFormatter() {
    }

    @Override
    protected String nonNullFormat(Object value) {
        long s = Math.max(0, ((Number) value).longValue()) / 1000;
        if (s < 60) {
            return s + "s";
        }
        if (s < 3600) {
            return String.format("%dm %02ds", s / 60, s % 60);
        }
        if (s < 86400) {
            return String.format("%dh %02dm", s / 3600, s % 3600 / 60);
        }
        return String.format("%dd %02dh", s / 86400, s % 86400 / 3600);
    }
}
