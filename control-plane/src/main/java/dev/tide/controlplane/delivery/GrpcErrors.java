package dev.tide.controlplane.delivery;

import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.DatabaseOutage;
import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.NotFoundException;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.grpc.server.exception.GrpcExceptionHandler;
import org.springframework.security.access.AccessDeniedException;
import org.springframework.stereotype.Component;

/** The one place where exceptions become gRPC status codes. No stack trace reaches an agent. */
@Component
class GrpcErrors implements GrpcExceptionHandler {
    private static final Logger log = LoggerFactory.getLogger(GrpcErrors.class);

    @Override
    public StatusException handleException(Throwable e) {
        return toStatus(e).asException();
    }

    static Status toStatus(Throwable e) {
        if (e instanceof StatusRuntimeException sre) {
            return sre.getStatus();
        }
        if (e instanceof StatusException se) {
            return se.getStatus();
        }
        if (e instanceof InvalidInputException) {
            return Status.INVALID_ARGUMENT.withDescription(e.getMessage());
        }
        if (e instanceof NotFoundException) {
            return Status.NOT_FOUND.withDescription(e.getMessage());
        }
        if (e instanceof ConflictException) {
            return Status.ALREADY_EXISTS.withDescription(e.getMessage());
        }
        if (e instanceof AccessDeniedException) {
            return Status.PERMISSION_DENIED.withDescription(e.getMessage());
        }
        if (e instanceof TransientDataAccessException) {
            return Status.UNAVAILABLE.withDescription("the control plane is busy; retry with backoff");
        }
        if (DatabaseOutage.is(e)) {
            log.warn("An agent call found the database unavailable: {}", e.getMessage());
            return Status.UNAVAILABLE.withDescription(
                    "the control plane's database is unavailable; retry with backoff");
        }
        log.error("Unexpected error in an agent call", e);
        return Status.INTERNAL.withDescription("internal error; the control plane log has the details");
    }
}
