package dev.tide.controlplane.node;

import java.util.List;
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

    @GetMapping
    List<NodeView> list(@RequestParam(required = false) String environment) {
        return nodes.list(environment).stream().map(NodeView::of).toList();
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
