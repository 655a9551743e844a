package dev.tide.controlplane.console;

import dev.tide.controlplane.application.Application;
import dev.tide.controlplane.application.ApplicationService;
import dev.tide.controlplane.application.Artifact;
import dev.tide.controlplane.application.ArtifactService;
import dev.tide.controlplane.application.Release;
import dev.tide.controlplane.application.ReleaseService;
import dev.tide.controlplane.application.ReleaseSpec;
import dev.tide.controlplane.system.ConflictException;
import dev.tide.controlplane.system.InvalidInputException;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.validation.BindingResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.ModelAttribute;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.multipart.MultipartFile;
import org.springframework.web.servlet.mvc.support.RedirectAttributes;

/** Applications with their dependency graph, artifact upload, releases and their history. */
@Controller
class ApplicationPages {
    private final ApplicationService applications;
    private final ReleaseService releases;
    private final ArtifactService artifacts;

    ApplicationPages(ApplicationService applications, ReleaseService releases, ArtifactService artifacts) {
        this.applications = applications;
        this.releases = releases;
        this.artifacts = artifacts;
    }

    /** An application with its newest release, for the list. */
    public record Row(Application application, Release latest, int releases) {}

    @GetMapping("/applications")
    String list(Model model) {
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", new ApplicationForm());
        }
        return listPage(model);
    }

    private String listPage(Model model) {
        List<Application> all = applications.list();
        Map<String, Set<String>> dependsOn = new LinkedHashMap<>();
        all.forEach(a -> dependsOn.put(a.getName(), a.getDependsOn()));
        model.addAttribute(
                "rows",
                all.stream()
                        .map(a -> {
                            List<Release> history = releases.list(a.getName());
                            return new Row(a, history.isEmpty() ? null : history.get(0), history.size());
                        })
                        .toList());
        model.addAttribute("graph", GraphLayout.of(applications.graph(), dependsOn));
        return "console/applications";
    }

    @PostMapping("/applications")
    String create(@ModelAttribute("form") ApplicationForm form, BindingResult result, Model model) {
        try {
            Application app = applications.create(form.getName(), form.getDescription(), form.getDependsOn());
            return "redirect:/applications/" + app.getName();
        } catch (InvalidInputException e) {
            Forms.reject(result, e, ApplicationForm::fieldOf);
        } catch (ConflictException e) {
            result.rejectValue(
                    e.getMessage().contains("already exists") ? "name" : "dependsOn", "conflict", e.getMessage());
        }
        return listPage(model);
    }

    @GetMapping("/applications/{name}")
    String show(@PathVariable String name, Model model) {
        if (!model.containsAttribute("form")) {
            ReleaseForm form = new ReleaseForm();
            if (model.getAttribute("uploaded") instanceof Uploaded uploaded) {
                form.setArtifactSha256(uploaded.sha256());
            }
            model.addAttribute("form", form);
        }
        return page(name, model);
    }

    private String page(String name, Model model) {
        if (!model.containsAttribute("signedForm")) {
            model.addAttribute("signedForm", new SignedDocumentForm());
        }
        model.addAttribute("app", applications.get(name));
        model.addAttribute("history", releases.list(name));
        model.addAttribute(
                "dependents",
                applications.list().stream()
                        .filter(a -> a.getDependsOn().contains(name))
                        .map(Application::getName)
                        .toList());
        return "console/application";
    }

    @PostMapping("/applications/{name}/releases")
    String createRelease(
            @PathVariable String name,
            @ModelAttribute("form") ReleaseForm form,
            BindingResult result,
            Model model,
            RedirectAttributes flash) {
        applications.get(name);
        ReleaseSpec spec = form.spec(result);
        if (spec != null) {
            try {
                Release release = releases.create(name, spec);
                flash.addFlashAttribute("notice", "Created release " + name + "@" + release.getVersion() + ".");
                return "redirect:/applications/" + name;
            } catch (InvalidInputException e) {
                Forms.reject(result, e, ReleaseForm::fieldOf);
            } catch (ConflictException e) {
                result.rejectValue("version", "conflict", e.getMessage());
            }
        }
        return page(name, model);
    }

    /**
     * Creates a release from the body {@code ./tide sign release} printed, signature included: the
     * same document the REST API takes, so the signature covers exactly what is stored.
     */
    @PostMapping("/applications/{name}/releases/signed")
    String createSignedRelease(
            @PathVariable String name,
            @ModelAttribute("signedForm") SignedDocumentForm form,
            BindingResult result,
            Model model,
            RedirectAttributes flash) {
        applications.get(name);
        ReleaseSpec spec = form.read(ReleaseSpec.class, "./tide sign release", result);
        if (spec != null) {
            try {
                Release release = releases.create(name, spec);
                flash.addFlashAttribute(
                        "notice",
                        "Created release " + name + "@" + release.getVersion()
                                + (release.getSignature().isPresent() ? ", signature verified." : "."));
                return "redirect:/applications/" + name;
            } catch (InvalidInputException e) {
                Forms.reject(result, e, field -> null);
            } catch (ConflictException e) {
                Forms.reject(result, e);
            }
        }
        if (!model.containsAttribute("form")) {
            model.addAttribute("form", new ReleaseForm());
        }
        return page(name, model);
    }

    /** Stores an artifact and comes back to the page it was uploaded from, with its sha256. */
    @PostMapping("/artifacts")
    String upload(
            @RequestParam("file") MultipartFile file,
            @RequestParam(required = false) String application,
            RedirectAttributes flash)
            throws IOException {
        String back = application == null || application.isBlank()
                ? "redirect:/applications"
                : "redirect:/applications/" + applications.get(application).getName();
        if (file.isEmpty()) {
            flash.addFlashAttribute("uploadError", "Choose a non-empty file to upload.");
            return back + "#upload";
        }
        try (InputStream in = new BufferedInputStream(file.getInputStream())) {
            Artifact artifact = artifacts.upload(in, ArtifactService.mediaType(in, file.getContentType()));
            flash.addFlashAttribute("uploaded", Uploaded.of(artifact));
            flash.addFlashAttribute("uploadedName", file.getOriginalFilename());
        } catch (InvalidInputException e) {
            flash.addFlashAttribute("uploadError", e.errors().get(0).message());
        }
        return back + "#upload";
    }

    /**
     * What the page shows of an upload after the redirect. Flash attributes travel in the session,
     * which is stored in the database for every replica to read: plain values, not the entity.
     */
    public record Uploaded(String sha256, long size, String mediaType) implements Serializable {
        static Uploaded of(Artifact artifact) {
            return new Uploaded(artifact.getSha256(), artifact.getSize(), artifact.getMediaType());
        }
    }
}
