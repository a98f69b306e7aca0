using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Feedback.Pipeline;

/// <summary>Settings section <c>TextPipeline</c> (environment: <c>TextPipeline__Enabled</c>, ...).</summary>
public sealed record TextPipelineOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "TextPipeline";

    /// <summary>
    /// When false, webhooks and backfills store no texts (ratings and their feedback are stored as before);
    /// <c>POST /v1/texts</c> still works. Used to compare a backfill with and without the pipeline.
    /// </summary>
    public bool Enabled { get; init; } = true;

    /// <summary>A text still <c>received</c> (never queued) after this many seconds is queued by the sweeper.</summary>
    [Range(0, 86_400, ErrorMessage = "TextPipeline:SweepAfterSeconds must be between 0 and 86400.")]
    public int SweepAfterSeconds { get; init; } = 30;

    /// <summary>Texts one sweeper transaction queues.</summary>
    [Range(1, 100_000, ErrorMessage = "TextPipeline:SweepBatchSize must be between 1 and 100000.")]
    public int SweepBatchSize { get; init; } = 2_000;

    /// <summary>Text ids per queue message the sweeper sends (a webhook or API text goes alone).</summary>
    [Range(1, 500, ErrorMessage = "TextPipeline:IdsPerMessage must be between 1 and 500.")]
    public int IdsPerMessage { get; init; } = 50;
}
