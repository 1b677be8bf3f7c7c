package dev.alignstream.stream;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * The journal and snapshot stores of one stream task, in memory and without changelogs, for tests
 * of {@link TaskModels}' contract without Kafka: a new {@link #task} over the same stores is what a
 * task restoring the committed state after a crash or a move sees.
 */
final class InMemoryTaskStores {

    private final MockProcessorContext<String, byte[]> context = new MockProcessorContext<>();
    final KeyValueStore<String, byte[]> journal = store("journal");
    final KeyValueStore<String, byte[]> snapshots = store("snapshots");

    private KeyValueStore<String, byte[]> store(String name) {
        KeyValueStore<String, byte[]> s = Stores.keyValueStoreBuilder(Stores.inMemoryKeyValueStore(name), Serdes.String(),
                Serdes.ByteArray()).withLoggingDisabled().build();
        s.init(context.getStateStoreContext(), s);
        return s;
    }

    /** A task over these stores (snapshots every 8 journal positions, a 1 GiB memory budget); HTTP requests refused. */
    TaskModels task(ModelRegistry registry, int modelThreads) {
        ModelRegistry.Owner owner = new ModelRegistry.Owner() {
            @Override
            public <T> CompletableFuture<T> submit(String modelId, Function<ServedModel, T> t) {
                return CompletableFuture.failedFuture(new UnsupportedOperationException());
            }
        };
        return new TaskModels(registry, owner, new MemoryBudget(1L << 30), new Journal(journal), new SnapshotStore(snapshots),
                8, modelThreads);
    }
}
