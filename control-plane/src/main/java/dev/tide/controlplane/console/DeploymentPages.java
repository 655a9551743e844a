package dev.tide.controlplane.console;

import dev.tide.controlplane.application.Application;
import dev.tide.controlplane.application.ApplicationService;
import dev.tide.controlplane.application.Release;
import dev.tide.controlplane.application.ReleaseService;
import dev.tide.controlplane.deployment.Deployment;
import dev.tide.controlplane.deployment.DeploymentEventStream;
import dev.tide.controlplane.deployment.DeploymentJournal;
import dev.tide.controlplane.deployment.DeploymentRequest;
import dev.tide.controlplane.deployment.DeploymentService;
import dev.tide.controlplane.deployment.DeploymentView;
import dev.tide.controlplane.environment.EnvironmentService;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseBody;
import org.springframework.web.servlet.mvc.method.annotation.SseEmitter;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Deployments: the list, the new-deployment form, and a deployment's page whose progress
 * fragment is re-fetched whenever its server-sent event stream reports a change.
 */
@Controller
class DeploymentPages {
    private static final int TIMELINE_ENTRIES = 300;
    private static final int JOURNAL_READ_LIMIT = 10_000;
    /**
     * Target rows on the page. Ten thousand rows took over 300 ms to render and were rendered again
     * on every event; the waves above count every target, and the API lists them all.
     */
    static final int TARGET_ROWS = 200;

    private final DeploymentService deployments;
    private final DeploymentEventStream stream;
    private final EnvironmentService environments;
    private final ApplicationService applications;
    private final ReleaseService releases;

    DeploymentPages(
            DeploymentService deployments,
            DeploymentEventStream stream,
            EnvironmentService environments,
            ApplicationService applications,
            ReleaseService releases) {
        this.deployments = deployments;
        this.stream = stream;
        this.environments = environments;
        this.applications = applications;
        this.releases = releases;
    }

    @GetMapping("/deployments")
    String list(@RequestParam(required = false) String environment, Model model) {
        String env = environment == null || environment.isBlank() ? null : environment;
        model.addAttribute("environment", env);
        model.addAttribute("environments", environments.list());
        model.addAttribute(
                "deployments",
                deployments.list(env, 100).stream()
                        .map(DeploymentView.ListItem::of)
                        .toList());
        return "console/deployments";
    }

    @GetMapping("/deployments/new")
    String newForm(
            @RequestParam(required = false) String environment,
            @RequestParam(required = false) String application,
            Model model) {
        DeploymentForm form = new DeploymentForm();
        form.setEnvironment(environment);
        Map<String, List<Release>> versions = versions();
        if (application != null && versions.containsKey(application)) {
            form.getReleases().put(application, versions.get(application).get(0).getVersion());
        }
        model.addAttribute("form", form);
        return formPage(model, versions);
    }

    private String formPage(Model model, Map<String, List<Release>> versions) {
        model.addAttribute("environments", environments.list());
        model.addAttribute("versions", versions);
        return "console/deployment-new";
    }

    /** Every application that has releases, with its releases newest first. */
    private Map<String, List<Release>> versions() {
        Map<String, List<Release>> versions = new LinkedHashMap<>();
        for (Application app : applications.list()) {
            List<Release> history = releases.list(app.getName());
            if (!history.isEmpty()) {
                versions.put(app.getName(), history);
            }
        }
        return versions;
    }

    @PostMapping("/deployments")
    String create(@ModelAttribute("form") DeploymentForm form, BindingResult result, Model model) {
        DeploymentRequest request = form.request(result);
        if (request != null && !result.hasErrors()) {
            try {
                Deployment created = deployments.create(request);
                return "redirect:/deployments/" + created.getId();
            } catch (InvalidInputException e) {
                Forms.reject(result, e, DeploymentForm::fieldOf);
            } catch (ConflictException e) {
                Forms.reject(result, e);
            }
        }
        return formPage(model, versions());
    }

    @GetMapping("/deployments/{id}")
    String show(@PathVariable UUID id, Model model) {
        progressModel(id, model);
        return "console/deployment";
    }

    /** The live part of the page: state, actions, waves, targets, timeline. */
    @GetMapping("/deployments/{id}/progress")
    String progress(@PathVariable UUID id, Model model) {
        progressModel(id, model);
        return "console/deployment :: progress";
    }

    private void progressModel(UUID id, Model model) {
        DeploymentView view = DeploymentView.of(deployments.get(id));
        Map<UUID, String> versions = new LinkedHashMap<>();
        view.releases()
                .forEach(r ->
                        versions.put(r.releaseId(), releases.get(r.releaseId()).getVersion()));
        List<DeploymentJournal.Entry> journal = deployments.events(id, 0, JOURNAL_READ_LIMIT);
        List<DeploymentJournal.Entry> timeline =
                new ArrayList<>(journal.subList(Math.max(0, journal.size() - TIMELINE_ENTRIES), journal.size()));
        Collections.reverse(timeline);
        List<DeploymentView.TargetView> shown = view.targets().stream()
                .sorted(Comparator.comparingInt(DeploymentPages::attention))
                .limit(TARGET_ROWS)
                .toList();
        model.addAttribute("d", view);
        model.addAttribute("targets", shown);
        model.addAttribute("targetsNotShown", view.targets().size() - shown.size());
        model.addAttribute("versions", versions);
        model.addAttribute("timeline", timeline);
    }

    /** Rows that need a look first: failed, then moving, then waiting, then settled; else plan order. */
    private static int attention(DeploymentView.TargetView t) {
        return switch (t.state()) {
            case FAILED -> 0;
            case REVERTING, DESIRED, DELIVERED, APPLIED -> 1;
            case PENDING -> 2;
            case HEALTHY, SKIPPED, ROLLED_BACK -> 3;
        };
    }

    /**
     * The deployment's journal as server-sent events, for the browser's session (the REST API's
     * stream takes API credentials): the same {@link DeploymentEventStream}.
     */
    @GetMapping(path = "/deployments/{id}/events", produces = MediaType.TEXT_EVENT_STREAM_VALUE)
    @ResponseBody
    SseEmitter events(
            @PathVariable UUID id, @RequestHeader(name = "Last-Event-ID", required = false) Long lastEventId) {
        deployments.requireExisting(id); // 404 before the stream opens
        return stream.subscribe(id, lastEventId == null ? 0 : lastEventId);
    }

    @PostMapping("/deployments/{id}/{action:pause|resume|cancel|rollback}")
    String act(@PathVariable UUID id, @PathVariable String action, RedirectAttributes flash) {
        try {
            switch (action) {
                case "pause" -> deployments.pause(id);
                case "resume" -> deployments.resume(id);
                case "cancel" -> deployments.cancel(id);
                default -> deployments.rollback(id);
            }
            flash.addFlashAttribute("notice", "Requested: " + action + ".");
        } catch (ConflictException e) {
            flash.addFlashAttribute("problem", ConsoleAdvice.capitalize(e.getMessage()) + ".");
        }
        return "redirect:/deployments/" + id;
    }
}
