package dev.tide.agent.transport;

import dev.tide.agent.state.LocalState;
import dev.tide.proto.agent.v1.DeliveryMode;
import dev.tide.proto.agent.v1.Schedule;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The delivery mode and poll schedule the agent follows, from the latest answer that carried one
 * (Enroll, GetDesiredState, ReportStatus, SetMode). Persisted so a restart keeps the mode.
 */
public final class ScheduleState {
    private static final Logger log = LoggerFactory.getLogger(ScheduleState.class);

    private final LocalState state;
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile Schedule current;

    public ScheduleState(LocalState state, Schedule initial) {
        this.state = state;
        this.current = initial == null ? Schedule.getDefaultInstance() : initial;
    }

    public Schedule current() {
        return current;
    }

    /** PULL unless the schedule says PUSH. */
    public DeliveryMode mode() {
        return current.getMode() == DeliveryMode.PUSH ? DeliveryMode.PUSH : DeliveryMode.PULL;
    }

    /** Takes a schedule from the control plane; one without a mode is ignored. */
    public void update(Schedule schedule) {
        if (schedule == null || schedule.getMode() == DeliveryMode.DELIVERY_MODE_UNSPECIFIED) {
            return;
        }
        boolean paceOnly;
        synchronized (this) {
            if (schedule.equals(current)) {
                return;
            }
            paceOnly = withoutPace(schedule).equals(withoutPace(current));
            current = schedule;
        }
        if (paceOnly) {
            // The control plane resized the reconnect cap to its fleet: kept for the next outage
            // (and the next start), but nothing the agent does now changes.
            state.update(s -> s.withSchedule(schedule));
            return;
        }
        log.info(
                "delivery mode {} (interval {}s, jitter {}s, watch {}, max wait {}s)",
                schedule.getMode(),
                schedule.getIntervalSeconds(),
                schedule.getJitterSeconds(),
                schedule.getWatch(),
                schedule.getMaxWaitSeconds());
        state.update(s -> s.withSchedule(schedule));
        listeners.forEach(Runnable::run);
    }

    private static Schedule withoutPace(Schedule schedule) {
        return schedule.toBuilder().clearReconnectCapSeconds().build();
    }

    public void onChange(Runnable listener) {
        listeners.add(listener);
    }
}
