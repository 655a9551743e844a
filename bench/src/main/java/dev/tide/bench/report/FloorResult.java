package dev.tide.bench.report;

/**
 * What bare grpc-java does on this machine for one fleet size: the floor under every Tide delivery
 * figure. Each value is the median over the measured rounds.
 *
 * @param nodes number of clients (simulated agents), each on its own connection
 * @param streamP50Millis one payload sent to every open server stream: send start to the median client's receipt, ms
 * @param streamMaxMillis the same, to the last client's receipt, ms
 * @param longPollP50Millis every parked unary call answered: answer start to the median client's response, ms
 * @param longPollMaxMillis the same, to the last client's response, ms
 */
public record FloorResult(
        int nodes,
        double streamP50Millis,
        double streamMaxMillis,
        double longPollP50Millis,
        double longPollMaxMillis) {}
