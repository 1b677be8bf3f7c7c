package dev.alignstream.data;

/** A dataset file that cannot be used; the message names the file, the line and the problem. */
public final class DataFormatException extends RuntimeException {

    public DataFormatException(String file, long line, String problem) {
        super(file + ":" + line + ": " + problem);
    }
}
