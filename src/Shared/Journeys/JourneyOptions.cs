using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Journeys;

/// <summary>Settings of the journey evaluator (section <c>Journeys</c>).</summary>
public sealed class JourneyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Journeys";

    /// <summary>Events read per evaluator pass (one transaction).</summary>
    [Range(1, 100_000)]
    public int EventBatchSize { get; set; } = 5_000;

    /// <summary>Users whose facts are loaded in one round trip.</summary>
    [Range(1, 50_000)]
    public int UserBatchSize { get; set; } = 2_000;
}
