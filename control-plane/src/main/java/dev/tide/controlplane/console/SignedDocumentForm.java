package dev.tide.controlplane.console;

import org.springframework.validation.BindingResult;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.json.JsonMapper;

/**
 * A form with one field: a JSON document signed outside the control plane and pasted as printed,
 * a release key set ({@code ./tide sign keys}) or a signed release ({@code ./tide sign release}).
 * The console reads it into the same body the REST API takes, so both check it the same way.
 */
public class SignedDocumentForm {
    static final int MAX_LENGTH = 2 * 1024 * 1024;
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private String document = "";

    /** The document read as {@code type}, or null after rejecting the field with what is wrong. */
    <T> T read(Class<T> type, String printedBy, BindingResult result) {
        if (document == null || document.isBlank()) {
            result.rejectValue("document", "required", "Paste the JSON that " + printedBy + " printed.");
            return null;
        }
        if (document.length() > MAX_LENGTH) {
            result.rejectValue("document", "size", "The document is larger than 2 MiB.");
            return null;
        }
        try {
            return JSON.readValue(document, type);
        } catch (JacksonException e) {
            result.rejectValue(
                    "document",
                    "format",
                    "This is not the JSON that " + printedBy + " prints: " + e.getOriginalMessage());
            return null;
        }
    }

    public String getDocument() {
        return document;
    }

    public void setDocument(String document) {
        this.document = document;
    }
}
