package dev.tide.controlplane.deployment;

import dev.tide.controlplane.system.InvalidInputException;
import dev.tide.controlplane.system.InvalidInputException.FieldError;
import java.util.ArrayList;
import java.util.List;

/**
 * How a deployment rolls: an optional canary wave of {@code canary} nodes, then batches of
 * {@code batchSize} nodes (a count such as {@code "2"} or a percentage such as {@code "25%"}),
 * {@code pauseSeconds} between waves; past {@code failureThreshold} failed targets (count or
 * percentage) it stops and, with {@code autoRollback}, restores the previous releases. A target
 * that is not healthy within {@code targetTimeoutSeconds} fails.
 */
public record Strategy(
        String batchSize,
        Integer canary,
        Integer pauseSeconds,
        String failureThreshold,
        Boolean autoRollback,
        Integer targetTimeoutSeconds) {

    /** A count or a percentage of the targeted nodes. */
    public record Amount(int value, boolean percent) {
        static Amount parse(String field, String text, int min, List<FieldError> errors) {
            if (text == null) {
                return null;
            }
            String t = text.trim();
            boolean percent = t.endsWith("%");
            try {
                int v = Integer.parseInt(
                        percent ? t.substring(0, t.length() - 1).trim() : t);
                if (v < min || (percent && v > 100)) {
                    errors.add(new FieldError(
                            field,
                            percent
                                    ? "must be a percentage between " + min + "% and 100%"
                                    : "must be at least " + min));
                    return null;
                }
                return new Amount(v, percent);
            } catch (NumberFormatException e) {
                errors.add(new FieldError(field, "must be a whole number or a percentage such as \"25%\""));
                return null;
            }
        }

        /** The amount for {@code total} nodes, rounded up for percentages (a batch of 10% of 3 nodes is 1). */
        public int of(int total) {
            return percent ? (int) Math.ceil(total * value / 100.0) : value;
        }

        /**
         * As a limit: at most this share of {@code total}, rounded down for percentages, so that a
         * failure threshold of "10%" never tolerates more than 10% of the targets.
         */
        public int atMost(int total) {
            return percent ? (int) ((long) total * value / 100) : value;
        }

        @Override
        public String toString() {
            return percent ? value + "%" : Integer.toString(value);
        }
    }

    /** Fills defaults and validates; throws naming each invalid field. */
    public static Strategy normalize(Strategy s) {
        Strategy in = s == null ? new Strategy(null, null, null, null, null, null) : s;
        List<FieldError> errors = new ArrayList<>();
        Amount batch = Amount.parse("strategy.batchSize", in.batchSize() == null ? "100%" : in.batchSize(), 1, errors);
        Amount threshold = Amount.parse(
                "strategy.failureThreshold", in.failureThreshold() == null ? "0" : in.failureThreshold(), 0, errors);
        int canary = in.canary() == null ? 0 : in.canary();
        int pause = in.pauseSeconds() == null ? 0 : in.pauseSeconds();
        int timeout = in.targetTimeoutSeconds() == null ? 300 : in.targetTimeoutSeconds();
        if (canary < 0 || canary > 10_000) {
            errors.add(new FieldError("strategy.canary", "must be between 0 and 10000 nodes"));
        }
        if (pause < 0 || pause > 86_400) {
            errors.add(new FieldError("strategy.pauseSeconds", "must be between 0 and 86400"));
        }
        if (timeout < 5 || timeout > 86_400) {
            errors.add(new FieldError("strategy.targetTimeoutSeconds", "must be between 5 and 86400"));
        }
        if (!errors.isEmpty()) {
            throw InvalidInputException.fields(errors);
        }
        return new Strategy(
                batch.toString(),
                canary,
                pause,
                threshold.toString(),
                in.autoRollback() == null || in.autoRollback(),
                timeout);
    }

    public Amount batch() {
        return Amount.parse("strategy.batchSize", batchSize, 1, new ArrayList<>());
    }

    public Amount threshold() {
        return Amount.parse("strategy.failureThreshold", failureThreshold, 0, new ArrayList<>());
    }
}
