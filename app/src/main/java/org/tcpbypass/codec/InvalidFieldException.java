package org.tcpbypass.codec;

/**
 * A JSON field that is missing or holds an invalid value. The message is {@code field: problem}, where the field
 * is a path such as {@code clientLeg.sndNxt} or {@code opened[2].client.port}.
 */
public class InvalidFieldException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String field;
    private final String problem;

    /**
     * Creates an exception.
     *
     * @param field   path of the offending field
     * @param problem what is wrong with it
     */
    public InvalidFieldException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
        this.problem = problem;
    }

    /**
     * Returns the path of the offending field.
     *
     * @return field path
     */
    public String field() {
        return field;
    }

    /**
     * Returns what is wrong with the field.
     *
     * @return problem
     */
    public String problem() {
        return problem;
    }

    /**
     * Returns this error as seen from the object holding the field's object.
     *
     * @param parent path of the enclosing field, e.g. {@code clientLeg} or {@code opened[2]}
     * @return exception naming {@code parent.field}
     */
    public InvalidFieldException within(String parent) {
        return new InvalidFieldException(parent + "." + field, problem);
    }
}
