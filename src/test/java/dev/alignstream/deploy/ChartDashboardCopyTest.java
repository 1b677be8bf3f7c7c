package dev.alignstream.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * The Helm chart cannot read files outside its directory, so it carries a copy of the learning
 * dashboard (helm/alignstream/dashboards/) for its optional Grafana ConfigMap. This test keeps the
 * copy identical to the dashboard docker-compose uses (grafana/dashboards/).
 */
class ChartDashboardCopyTest {

    private static final String ORIGINAL = "grafana/dashboards/alignstream-learning.json";
    private static final String COPY = "helm/alignstream/dashboards/alignstream-learning.json";

    @Test
    void chartDashboardIsACopyOfTheGrafanaDashboard() throws IOException {
        Path original = RepositoryFiles.root().resolve(ORIGINAL);
        assumeTrue(Files.isRegularFile(original),
                ORIGINAL + " does not exist yet: nothing to compare the chart's copy with");
        Path copy = RepositoryFiles.existing(COPY);
        assertEquals(Files.readString(original), Files.readString(copy),
                COPY + " differs from " + ORIGINAL + ": copy it again (cp " + ORIGINAL + " " + COPY + ")");
    }
}
