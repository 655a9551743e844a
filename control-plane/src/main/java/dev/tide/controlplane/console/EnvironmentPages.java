package dev.tide.controlplane.console;

import dev.tide.controlplane.environment.DeliveryMode;
import dev.tide.controlplane.environment.EnrollmentTokenService;
import dev.tide.controlplane.environment.Environment;
import dev.tide.controlplane.environment.EnvironmentService;
import dev.tide.controlplane.environment.EnvironmentSettings;
import dev.tide.controlplane.node.Liveness;
import dev.tide.controlplane.node.NodeQuery;
import dev.tide.controlplane.node.NodeService;
import dev.tide.controlplane.node.NodeView;
import dev.tide.controlplane.releasekey.KeySetSpec;
import dev.tide.controlplane.releasekey.ReleaseKeyService;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import java.time.Clock;
import java.util.UUID;
import org.springframework.data.domain.Page;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/**
 * Environments: the list with the create form, and one environment's page: the mode switch (with
 * a confirmation), settings, enrollment tokens, the release key set and the live node table.
 */
@Controller
class EnvironmentPages {
    private final EnvironmentService environments;
    private final EnrollmentTokenService tokens;
    private final NodeService nodes;
    private final FleetOverview overview;
    private final ReleaseKeyService releaseKeys;
    private final Liveness liveness;
    private final Clock clock;

    /** Rows of the node table per page: enough to scan, few enough to render in milliseconds. */
    static final int PAGE_SIZE = 50;

    EnvironmentPages(
            EnvironmentService environments,
            EnrollmentTokenService tokens,
            NodeService nodes,
            FleetOverview overview,
            ReleaseKeyService releaseKeys,
            Liveness liveness,
            Clock clock) {
        this.environments = environments;
        this.tokens = tokens;
        this.nodes = nodes;
        this.overview = overview;
        this.releaseKeys = releaseKeys;
        this.liveness = liveness;
        this.clock = clock;
    }

    @GetMapping("/environments")
    String list(Model model) {
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", new EnvironmentForm());
        }
        model.addAttribute("summaries", overview.summaries());
        return "console/environments";
    }

    @PostMapping("/environments")
    String create(@ModelAttribute("form") EnvironmentForm form, BindingResult result, Model model) {
        if (form.complete(result)) {
            try {
                Environment env = environments.create(form.getName(), form.settings(form.getMode()));
                return "redirect:/environments/" + env.getName();
            } catch (InvalidInputException e) {
                Forms.reject(result, e, field -> field);
            } catch (ConflictException e) {
                result.rejectValue("name", "conflict", e.getMessage());
            }
        }
        model.addAttribute("summaries", overview.summaries());
        return "console/environments";
    }

    @GetMapping("/environments/{name}")
    String show(
            @PathVariable String name,
            @RequestParam(required = false) DeliveryMode switchTo,
            NodeFilter filter,
            Model model) {
        Environment env = environments.get(name);
        return page(env, switchTo, model, filter.query(name));
    }

    private String page(Environment env, DeliveryMode switchTo, Model model) {
        return page(env, switchTo, model, NodeFilter.NONE.query(env.getName()));
    }

    private String page(Environment env, DeliveryMode switchTo, Model model, NodeQuery query) {
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", EnvironmentForm.of(env));
        }
        if (!model.containsAttribute("tokenForm")) {
            model.addAttribute("tokenForm", new EnrollmentTokenForm());
        }
        if (!model.containsAttribute("keysForm")) {
            model.addAttribute("keysForm", new SignedDocumentForm());
        }
        model.addAttribute("releaseKeys", releaseKeys.find(env.getName()).orElse(null));
        NodeTable table = nodeTable(env, query, model);
        model.addAttribute("tokens", tokens.list(env.getName()));
        model.addAttribute("now", clock.instant());
        if (switchTo != null && switchTo != env.getMode()) {
            model.addAttribute("switchTo", switchTo);
            model.addAttribute("pushable", table.counts().pushable());
        }
        return "console/environment";
    }

    /** The node table alone, with the page's filters; the page polls it. */
    @GetMapping("/environments/{name}/nodes")
    String nodeTable(@PathVariable String name, NodeFilter filter, Model model) {
        Environment env = environments.get(name);
        nodeTable(env, filter.query(name), model);
        return "console/environment :: nodes";
    }

    private NodeTable nodeTable(Environment env, NodeQuery query, Model model) {
        NodeTable table = new NodeTable(
                query,
                nodes.search(query).map(NodeView::of),
                nodes.summaries(env.getName()).getOrDefault(env.getName(), NodeService.Summary.NONE));
        model.addAttribute("env", env);
        model.addAttribute("table", table);
        model.addAttribute("nodes", table.page().getContent());
        model.addAttribute("liveness", new LivenessView(env, liveness, clock));
        model.addAttribute("appStates", NodeQuery.STATES);
        return table;
    }

    @PostMapping("/environments/{name}/mode")
    String switchMode(@PathVariable String name, @RequestParam DeliveryMode mode, RedirectAttributes flash) {
        DeliveryMode before = environments.get(name).getMode();
        environments.update(
                name,
                s -> new EnvironmentSettings(
                        s.description(),
                        mode,
                        s.pullIntervalSeconds(),
                        s.pullJitterSeconds(),
                        s.watch(),
                        s.pushMaxParallel()));
        flash.addFlashAttribute(
                "notice",
                before == mode
                        ? name + " was already in " + mode + " mode."
                        : "Switched " + name + " from " + before + " to " + mode
                                + ". Each node's acknowledged mode below shows when its agent has followed.");
        return "redirect:/environments/" + name;
    }

    @PostMapping("/environments/{name}/settings")
    String settings(
            @PathVariable String name,
            @ModelAttribute("form") EnvironmentForm form,
            BindingResult result,
            Model model,
            RedirectAttributes flash) {
        Environment env = environments.get(name);
        if (form.complete(result)) {
            try {
                environments.update(name, s -> form.settings(s.mode()));
                flash.addFlashAttribute("notice", "Saved the settings of " + name + ".");
                return "redirect:/environments/" + name;
            } catch (InvalidInputException e) {
                Forms.reject(result, e, field -> field);
            }
        }
        return page(env, null, model);
    }

    @PostMapping("/environments/{name}/enrollment-tokens")
    String createToken(
            @PathVariable String name,
            @ModelAttribute("tokenForm") EnrollmentTokenForm form,
            BindingResult result,
            Model model,
            RedirectAttributes flash) {
        Environment env = environments.get(name);
        if (!result.hasErrors()) {
            try {
                EnrollmentTokenService.Created created =
                        tokens.create(name, form.getTtlMinutes(), form.getMaxUses(), form.getDescription());
                // The secret goes in this answer only, never through the session (a database row
                // when sessions are shared by replicas): reloading the page does not show it again.
                model.addAttribute("createdToken", created.secret());
                model.addAttribute("createdTokenExpires", created.token().getExpiresAt());
                model.addAttribute("createdTokenMaxUses", created.token().getMaxUses());
                model.addAttribute("tokenForm", new EnrollmentTokenForm());
                return page(env, null, model);
            } catch (InvalidInputException e) {
                Forms.reject(result, e, field -> field);
            }
        }
        return page(env, null, model);
    }

    /** Installs a release key set signed with {@code ./tide sign keys}, pasted as printed. */
    @PostMapping("/environments/{name}/release-keys")
    String installReleaseKeys(
            @PathVariable String name,
            @ModelAttribute("keysForm") SignedDocumentForm form,
            BindingResult result,
            Model model,
            RedirectAttributes flash) {
        Environment env = environments.get(name);
        KeySetSpec spec = form.read(KeySetSpec.class, "./tide sign keys", result);
        if (spec != null) {
            try {
                var installed = releaseKeys.install(name, spec);
                flash.addFlashAttribute(
                        "notice",
                        "Installed release key set version " + installed.version() + " for " + name
                                + (installed.requireSignatures() ? "; releases deployed here must be signed." : ".")
                                + " Agents take it with their next desired state.");
                return "redirect:/environments/" + name + "#release-keys";
            } catch (InvalidInputException e) {
                Forms.reject(result, e, field -> null);
            } catch (ConflictException e) {
                Forms.reject(result, e);
            }
        }
        return page(env, null, model);
    }

    @PostMapping("/environments/{name}/enrollment-tokens/{id}/revoke")
    String revokeToken(@PathVariable String name, @PathVariable UUID id, RedirectAttributes flash) {
        tokens.revoke(name, id);
        flash.addFlashAttribute("notice", "Revoked the enrollment token.");
        return "redirect:/environments/" + name + "#tokens";
    }

    @PostMapping("/environments/{name}/nodes/{id}/delete")
    String deleteNode(@PathVariable String name, @PathVariable UUID id, RedirectAttributes flash) {
        String nodeName = nodes.find(id).getName();
        nodes.delete(id);
        flash.addFlashAttribute("notice", "Removed node " + nodeName + "; its credential no longer works.");
        return "redirect:/environments/" + name;
    }

    @PostMapping("/environments/{name}/delete")
    String delete(@PathVariable String name, RedirectAttributes flash) {
        try {
            environments.delete(name);
            flash.addFlashAttribute("notice", "Deleted environment " + name + ".");
            return "redirect:/environments";
        } catch (ConflictException e) {
            flash.addFlashAttribute("problem", ConsoleAdvice.capitalize(e.getMessage()) + ".");
            return "redirect:/environments/" + name;
        }
    }

    /** The node table's filters and page, as the query string carries them. */
    record NodeFilter(String node, Boolean online, Boolean converged, String state, Integer page) {
        static final NodeFilter NONE = new NodeFilter(null, null, null, null, null);

        NodeQuery query(String environment) {
            return new NodeQuery(environment, online, converged, state, node, page == null ? 0 : page, PAGE_SIZE);
        }
    }

    /**
     * One page of the environment's nodes with the filters that chose it, and the environment's
     * counts (all nodes, whatever the filters).
     */
    public record NodeTable(NodeQuery query, Page<NodeView> page, NodeService.Summary counts) {
        /** 1-based position of the first row shown; 0 when none. */
        public long firstRow() {
            return page.getNumberOfElements() == 0 ? 0 : page.getPageable().getOffset() + 1;
        }

        public long lastRow() {
            return page.getPageable().getOffset() + page.getNumberOfElements();
        }
    }

    /** Lets the node table ask whether a node is online. */
    public record LivenessView(Environment env, Liveness liveness, Clock clock) {
        public boolean online(NodeView node) {
            return liveness.online(node.lastSeenAt(), env, clock.instant());
        }

        public long windowSeconds() {
            return liveness.window(env).toSeconds();
        }
    }
}
