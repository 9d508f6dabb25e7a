package org.tcpbypass.gui;

import org.onosproject.ui.table.CellFormatter;
import org.onosproject.ui.table.cell.AbstractCellFormatter;
import org.onosproject.ui.topo.TopoUtils;

/**
 * Formats a byte count the way the topology view labels traffic, e.g. {@code 1.5 MB}.
 */
final class ByteCountFormatter extends AbstractCellFormatter {

    /** The formatter. */
    static final CellFormatter INSTANCE = new ByteCountFormatter();

    private ByteCountFormatter() {
    }

    @Override
    protected String nonNullFormat(Object value) {
        return TopoUtils.formatBytes(((Number) value).longValue()).toString();
    }
}
