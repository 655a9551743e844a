package dev.tide.controlplane.application;

import java.util.List;
import org.springframework.data.jpa.repository.JpaRepository;
import org.springframework.data.jpa.repository.Query;

public interface ApplicationRepository extends JpaRepository<Application, String> {
    List<Application> findAllByOrderByNameAsc();

    /** Every application with its dependencies, in one query (not one more per application). */
    @Query("select distinct a from Application a left join fetch a.dependsOn")
    List<Application> findAllWithDependencies();
}
