namespace Impact.Ingest.Tests.Telemetry;

/// <summary>
/// The business meter and activity source are process-wide: tests that compare counter totals with rows run alone
/// (xunit runs this collection after the parallel ones), so no other test's measurements land in their exporter.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TelemetryCollection
{
    public const string Name = "Telemetry";
}
