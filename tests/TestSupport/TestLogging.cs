using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Console;

namespace Impact.TestSupport;

/// <summary>
/// The console logging of every host a test starts: warnings and errors only, one line each (an
/// exception shows as its type and message, never a stack trace), and nothing from the generic host
/// itself (a host that fails to start throws, and the test reports that exception). Providers a
/// test adds afterwards (e.g. captured logs) keep their own levels.
/// </summary>
public static class TestLogging
{
    /// <summary>Replaces every provider of <paramref name="logging"/> with the quiet console.</summary>
    public static ILoggingBuilder Quiet(this ILoggingBuilder logging)
    {
        logging.ClearProviders();
        logging.AddConsole(o => o.FormatterName = OneLineFormatter.Name);
        logging.AddConsoleFormatter<OneLineFormatter, ConsoleFormatterOptions>();
        logging.AddFilter<ConsoleLoggerProvider>(null, LogLevel.Warning);
        logging.AddFilter<ConsoleLoggerProvider>("Microsoft.Extensions.Hosting", LogLevel.None);
        return logging;
    }

    /// <summary>
    /// A logger factory with only the quiet console, for hosts that take a factory rather than a builder.
    /// Hosts built inside a package from the environment's configuration (the durable test host's gRPC
    /// sidecar) get the console at Warning through <c>Logging__Console__LogLevel__Default</c>, set here.
    /// </summary>
    public static ILoggerFactory Factory
    {
        get
        {
            Environment.SetEnvironmentVariable("Logging__Console__LogLevel__Default", "Warning");
            return QuietFactory;
        }
    }

    private static readonly ILoggerFactory QuietFactory = LoggerFactory.Create(b => b.Quiet());

    private sealed class OneLineFormatter() : ConsoleFormatter(Name)
    {
        public new const string Name = "test-one-line";

        public override void Write<TState>(in LogEntry<TState> logEntry, IExternalScopeProvider? scopeProvider, TextWriter textWriter)
        {
            var message = logEntry.Formatter(logEntry.State, logEntry.Exception);
            var level = logEntry.LogLevel switch
            {
                LogLevel.Warning => "warn",
                LogLevel.Error => "fail",
                LogLevel.Critical => "crit",
                _ => logEntry.LogLevel.ToString().ToLowerInvariant(),
            };
            var exception = logEntry.Exception is { } e ? $" ({e.GetType().Name}: {FirstLine(e.Message)})" : "";
            textWriter.WriteLine($"{level}: {logEntry.Category}: {FirstLine(message)}{exception}");
        }

        private static string FirstLine(string text) => text.Split('\n', 2)[0].TrimEnd('\r');
    }
}
