package dev.tide.agent.cli;

/** Entry point of {@code tide-agent.jar}. */
public final class AgentMain {
    private AgentMain() {}

    public static void main(String[] args) {
        System.out.println("tide-agent");
    }
}
