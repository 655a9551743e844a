package dev.tide.controlplane.system;

import java.util.List;
import org.springframework.data.domain.Page;

/** A stable JSON shape for paged lists: {@code items}, {@code page}, {@code size}, {@code total}. */
public record PageResponse<T>(List<T> items, int page, int size, long totalItems, int totalPages) {
    public static <T> PageResponse<T> of(Page<T> page) {
        return new PageResponse<>(
                page.getContent(), page.getNumber(), page.getSize(), page.getTotalElements(), page.getTotalPages());
    }
}
