using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Journeys;

/// <summary>Settings of the journey evaluator (section <c>Journeys</c>).</summary>
public sealed class JourneyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Journeys";

    /// <summary>
    /// At most this many events per evaluator pass (one transaction). A pass evaluates each user its events touch once, so a
    /// burst read in one pass costs one evaluation per user, not one per batch that names them.
    /// </summary>
    [Range(1, 1_000_000)]
    public int EventBatchSize { get; set; } = 100_000;

    /// <summary>Users whose facts are loaded in one round trip.</summary>
    [Range(1, 50_000)]
    public int UserBatchSize { get; set; } = 2_000;

    /// <summary>
    /// Connections that load those batches side by side (the pass's own and the rest from the pool): with more than one,
    /// PostgreSQL reads on more than one core while the process maps rows.
    /// </summary>
    [Range(1, 16)]
    public int FactLoaders { get; set; } = 2;
}
