package dev.alignstream.api;

import dev.alignstream.core.Model;
import dev.alignstream.stream.ModelRegistry;

/** Registers a model in a registry as if a stream thread owned it (requests run immediately). */
final class TestOwner {

    private TestOwner() {
    }

    static void own(ModelRegistry registry, String id, String stream, Model model) {
        registry.ownForTest(id, stream, model);
    }
}
