package dev.alignstream.io;

import java.util.LinkedHashMap;

/**
 * What a safetensors file holds: tensors in file order and the string metadata of its
 * {@code __metadata__} entry.
 */
public record SafetensorsContent(LinkedHashMap<String, Tensor> tensors, LinkedHashMap<String, String> metadata) {
}
