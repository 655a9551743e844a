package dev.tide.controlplane.system;

/** A referenced resource does not exist (HTTP 404, gRPC NOT_FOUND). */
public class NotFoundException extends RuntimeException {
    public NotFoundException(String kind, Object id) {
        super(kind + " '" + id + "' does not exist");
    }
}
