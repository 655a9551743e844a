package dev.tide.controlplane.node;

import dev.tide.controlplane.system.PageResponse;
import java.util.UUID;
import org.springframework.http.HttpStatus;
import org.springframework.web.bind.annotation.DeleteMapping;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.ResponseStatus;
import org.springframework.web.bind.annotation.RestController;

/** {@code /api/v1/nodes}: nodes with desired vs actual per application. */
@RestController
@RequestMapping("/api/v1/nodes")
class NodeController {
    private final NodeService nodes;

    NodeController(NodeService nodes) {
        this.nodes = nodes;
    }

    /**
     * One page of nodes, filtered: by environment, online, converged, an application's reported
     * state, and a part of the name. At 10,000 nodes the whole list is megabytes; a page is not.
     */
    @GetMapping
    PageResponse<NodeView> list(
            @RequestParam(required = false) String environment,
            @RequestParam(required = false) Boolean online,
            @RequestParam(required = false) Boolean converged,
            @RequestParam(required = false) String state,
            @RequestParam(required = false) String name,
            @RequestParam(defaultValue = "0") int page,
            @RequestParam(defaultValue = "" + NodeQuery.DEFAULT_SIZE) int size) {
        return PageResponse.of(nodes.search(new NodeQuery(environment, online, converged, state, name, page, size))
                .map(NodeView::of));
    }

    @GetMapping("/{id}")
    NodeView get(@PathVariable UUID id) {
        return NodeView.of(nodes.get(id));
    }

    @DeleteMapping("/{id}")
    @ResponseStatus(HttpStatus.NO_CONTENT)
    void delete(@PathVariable UUID id) {
        nodes.delete(id);
    }
}
