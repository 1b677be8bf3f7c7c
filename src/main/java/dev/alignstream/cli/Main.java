package dev.alignstream.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * Entry point of the one fat jar: {@code java -jar target/alignstream.jar COMMAND ...}. Each
 * command is its own class in this package; this class only lists them.
 */
@Command(name = "alignstream",
        mixinStandardHelpOptions = true,
        version = "alignstream 0.1.0",
        description = "Trains wide neural networks online, one sample at a time, from Kafka topics, "
                + "with the backprop-free Align rules of Boopathy & Fiete (ICML 2022).",
        subcommands = {
                CommandLine.HelpCommand.class,
                DatasetsCommand.class,
                BrokerCommand.class,
                ServeCommand.class,
                ModelsCommand.class,
                ProduceCommand.class,
                DemoCommand.class,
                TrainCommand.class,
                EvaluateCommand.class,
                BenchCommand.class,
                ExperimentsCommand.class,
        })
public final class Main implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs a command line and returns its exit code; used by tests to run commands in-process. */
    public static int run(String... args) {
        return new CommandLine(new Main())
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(Main::reportError)
                .execute(args);
    }

    /**
     * Bad input and operational failures end with one line on stderr and exit code 1, not a
     * stack trace; set {@code -Dalignstream.trace=true} to see the trace.
     */
    private static int reportError(Exception e, CommandLine cmd, CommandLine.ParseResult parsed) {
        String msg = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
        cmd.getErr().println("error: " + msg);
        if (Boolean.getBoolean("alignstream.trace")) {
            e.printStackTrace(cmd.getErr());
        }
        return 1;
    }

    @Override
    public void run() {
        spec.commandLine().usage(System.out);
    }
}
