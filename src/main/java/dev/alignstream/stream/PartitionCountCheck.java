package dev.alignstream.stream;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;

/**
 * Refuses to start a service whose samples topic no longer has the partition count its model
 * state was built with.
 *
 * <p>Why: a stream id is hashed to a samples partition, and each partition is one Kafka Streams
 * task that owns the journal and snapshots of the models of the streams on it. With another
 * partition count the same stream id lands on a different task, which does not have that
 * model's state: the model would start over from its seed there (or, for a stream that moved
 * to a task with a stale snapshot of it, continue from old state), while its real state stays
 * behind in the old task. Either way the model forks silently. Kafka Streams itself does not
 * notice: the store changelogs keep their old partition count.
 *
 * <p>How: the state's partition count is recorded by Kafka itself. Kafka Streams creates each
 * store's changelog topic ({@code <application.id>-<store>-changelog}) with the partition count
 * of the task's source topic, the samples topic, and never changes it. So at start the samples
 * topic and every existing changelog MUST have the same partition count; a changelog that does
 * not exist yet (the first start of an application id) records nothing and passes.
 */
final class PartitionCountCheck {

    private PartitionCountCheck() {
    }

    /** The changelog topics holding this application's per-partition model state. */
    static List<String> stateChangelogs(ServiceConfig c) {
        return List.of(changelog(c, LearningProcessor.JOURNAL_STORE), changelog(c, LearningProcessor.SNAPSHOT_STORE),
                changelog(c, LearningProcessor.PENDING_STORE));
    }

    static String changelog(ServiceConfig c, String store) {
        return c.applicationId() + "-" + store + "-changelog";
    }

    /**
     * @throws IllegalStateException with a one-line explanation when a changelog's partition
     *                               count differs from the samples topic's
     */
    static void verify(Admin admin, ServiceConfig c) throws InterruptedException {
        String samples = c.topics().samples();
        int expected = partitions(admin, samples);
        if (expected < 0) {
            return;
        }
        for (String changelog : stateChangelogs(c)) {
            int recorded = partitions(admin, changelog);
            if (recorded >= 0 && recorded != expected) {
                throw new IllegalStateException("the samples topic " + samples + " has " + expected + " partitions but the"
                        + " model state of application '" + c.applicationId() + "' was built with " + recorded + " (topic "
                        + changelog + "): stream ids would move to other partitions and fork their models. Give "
                        + samples + " " + recorded + " partitions again, or start over under a new --application-id");
            }
        }
    }

    /** The topic's partition count, or -1 when it does not exist. */
    private static int partitions(Admin admin, String topic) throws InterruptedException {
        Map<String, KafkaFuture<TopicDescription>> d = admin.describeTopics(List.of(topic)).topicNameValues();
        try {
            return d.get(topic).get(60, TimeUnit.SECONDS).partitions().size();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof UnknownTopicOrPartitionException) {
                return -1;
            }
            throw new IllegalStateException("cannot describe topic " + topic + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("cannot describe topic " + topic + " within 60 s; is Kafka reachable?", e);
        }
    }
}
