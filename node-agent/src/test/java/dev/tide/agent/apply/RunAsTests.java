package dev.tide.agent.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.tide.agent.supervise.AppUser;
import dev.tide.proto.agent.v1.AppRelease;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Who a release runs as, decided before anything is unpacked or started. */
class RunAsTests {
    private static final AppUser WEB = new AppUser("web", 1001, 1001, "/srv/web");

    private static AppRelease release(String runAs) {
        return AppRelease.newBuilder()
                .setApplication("shop")
                .setVersion("2.0.0")
                .setRunAs(runAs)
                .build();
    }

    @Test
    void anAgentThatIsNotRootRefusesToRunAnAppAsSomeoneElse() {
        RunAs agent = new RunAs("tide", false, name -> Optional.of(WEB));

        assertThatThrownBy(() -> agent.userFor(release("web")))
                .isInstanceOf(ApplyException.class)
                .hasMessage("shop@2.0.0 must run as web, but the agent runs as tide, not root,"
                        + " and can only start applications as itself");
    }

    @Test
    void noRunAsOrTheAgentsOwnNameRunsAsTheAgent() throws Exception {
        RunAs agent = new RunAs("tide", false, name -> Optional.of(WEB));

        assertThat(agent.userFor(release(""))).isNull();
        assertThat(agent.userFor(release("tide"))).isNull();
    }

    @Test
    void aRootAgentSwitchesToAUserThatExistsAndRefusesOneThatDoesNot() throws Exception {
        RunAs root = new RunAs("root", true, name -> name.equals("web") ? Optional.of(WEB) : Optional.empty());

        assertThat(root.userFor(release("web"))).isEqualTo(WEB);
        assertThatThrownBy(() -> root.userFor(release("ghost")))
                .hasMessage("shop@2.0.0 must run as ghost: no such user on this node");
        assertThatThrownBy(() -> root.userFor(release("-o"))).hasMessageContaining("invalid run_as '-o'");
    }

    @Test
    void theRealLookupFindsNobody() throws Exception {
        assertThat(AppUser.lookup("nobody"))
                .hasValueSatisfying(u -> assertThat(u.uid()).isEqualTo(65534));
        assertThat(AppUser.lookup("no-such-user-here")).isEmpty();
    }
}
