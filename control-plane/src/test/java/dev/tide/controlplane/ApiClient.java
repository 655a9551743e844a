package dev.tide.controlplane;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Consumer;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.mock.web.MockHttpServletResponse;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.request.AbstractMockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockHttpServletRequestBuilder;
import org.springframework.test.web.servlet.request.MockMvcRequestBuilders;
import tools.jackson.databind.json.JsonMapper;

/**
 * Calls the REST API through MockMvc (the full filter chain, security included) with one kind of
 * credentials. Bodies that are not strings are written as JSON.
 */
public final class ApiClient {
    private static final JsonMapper JSON = JsonMapper.builder().build();

    private final MockMvc mvc;
    private final Consumer<AbstractMockHttpServletRequestBuilder<?>> credentials;

    private ApiClient(MockMvc mvc, Consumer<AbstractMockHttpServletRequestBuilder<?>> credentials) {
        this.mvc = mvc;
        this.credentials = credentials;
    }

    static ApiClient anonymous(MockMvc mvc) {
        return new ApiClient(mvc, request -> {});
    }

    static ApiClient bearer(MockMvc mvc, String token) {
        return new ApiClient(mvc, b -> b.header(HttpHeaders.AUTHORIZATION, "Bearer " + token));
    }

    public static ApiClient basic(MockMvc mvc, String user, String password) {
        return new ApiClient(mvc, b -> b.header(HttpHeaders.AUTHORIZATION, basicHeader(user, password)));
    }

    public static String basicHeader(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    public ApiResponse get(String uri, Object... vars) {
        return send(MockMvcRequestBuilders.get(uri, vars));
    }

    public ApiResponse post(String uri, Object body, Object... vars) {
        return send(withJson(MockMvcRequestBuilders.post(uri, vars), body));
    }

    public ApiResponse put(String uri, Object body, Object... vars) {
        return send(withJson(MockMvcRequestBuilders.put(uri, vars), body));
    }

    public ApiResponse patch(String uri, Object body, Object... vars) {
        return send(withJson(MockMvcRequestBuilders.patch(uri, vars), body));
    }

    public ApiResponse delete(String uri, Object... vars) {
        return send(MockMvcRequestBuilders.delete(uri, vars));
    }

    /** A raw upload with the given content type (null sends none). */
    public ApiResponse postBytes(String uri, byte[] bytes, String contentType) {
        MockHttpServletRequestBuilder request = MockMvcRequestBuilders.post(uri).content(bytes);
        if (contentType != null) {
            request.contentType(contentType);
        }
        return send(request);
    }

    public ApiResponse send(AbstractMockHttpServletRequestBuilder<?> request) {
        credentials.accept(request);
        try {
            MockHttpServletResponse response = mvc.perform(request).andReturn().getResponse();
            Map<String, String> headers = new LinkedHashMap<>();
            response.getHeaderNames().forEach(h -> headers.put(h.toLowerCase(), response.getHeader(h)));
            return new ApiResponse(
                    response.getStatus(),
                    response.getContentType(),
                    response.getContentAsString(StandardCharsets.UTF_8),
                    headers);
        } catch (Exception e) {
            throw new IllegalStateException("request failed: " + e.getMessage(), e);
        }
    }

    private static MockHttpServletRequestBuilder withJson(MockHttpServletRequestBuilder request, Object body) {
        if (body == null) {
            return request;
        }
        String json = body instanceof String s ? s : JSON.writeValueAsString(body);
        return request.contentType(MediaType.APPLICATION_JSON).content(json);
    }
}
