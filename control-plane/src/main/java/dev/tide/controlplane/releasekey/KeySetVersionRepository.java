package dev.tide.controlplane.releasekey;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

interface KeySetVersionRepository extends JpaRepository<KeySetVersion, KeySetVersion.Key> {
    Optional<KeySetVersion> findFirstByEnvironmentOrderByVersionDesc(String environment);

    /** The current (highest) version of every environment's key set. */
    @Query("select s from KeySetVersion s where s.version ="
            + " (select max(t.version) from KeySetVersion t where t.environment = s.environment)")
    List<KeySetVersion> findAllCurrent();

    /**
     * Locks the environment's row until this transaction ends, or finds no environment. A node
     * enrolled meanwhile waits (its foreign key needs the row), so it is either among the nodes
     * the new set is sent to or reads the new set itself.
     */
    @Query(value = "select name from environment where name = :environment for update", nativeQuery = true)
    Optional<String> lockEnvironment(String environment);
}
