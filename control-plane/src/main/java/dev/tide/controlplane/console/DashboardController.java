package dev.tide.controlplane.console;

import org.springframework.stereotype.Controller;
import org.springframework.ui.Model;
import org.springframework.web.bind.annotation.GetMapping;

/** The dashboard: every environment with its mode, nodes, convergence and last deployment. */
@Controller
class DashboardController {
    private final FleetOverview overview;

    DashboardController(FleetOverview overview) {
        this.overview = overview;
    }

    @GetMapping("/login")
    String login() {
        return "console/login";
    }

    @GetMapping("/")
    String dashboard(Model model) {
        model.addAttribute("summaries", overview.summaries());
        return "console/dashboard";
    }

    /** The environment cards alone; the page polls this every few seconds. */
    @GetMapping("/fragments/dashboard")
    String cards(Model model) {
        model.addAttribute("summaries", overview.summaries());
        return "console/dashboard :: cards";
    }
}
