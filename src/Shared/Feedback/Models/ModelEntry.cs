namespace Impact.Shared.Feedback.Models;

/// <summary>A row of <c>impact.model_registry</c>.</summary>
/// <param name="Id">The model's id.</param>
/// <param name="Provider">Its provider.</param>
/// <param name="Model">The provider's model or deployment name.</param>
/// <param name="PromptVersion">Prompt and schema version.</param>
/// <param name="Thresholds">Decision thresholds, as JSON.</param>
/// <param name="EffectiveFrom">Not used before this.</param>
/// <param name="Active">The active model of its provider.</param>
/// <param name="ActivatedAt">When it was last activated.</param>
/// <param name="ActivatedBy">Who activated it (a token principal, or <c>models.yaml</c>).</param>
/// <param name="InUse">True for the one model new texts are classified with now.</param>
/// <param name="InputUsdPerMillion">USD per 1,000,000 input tokens (the price table of models.yaml).</param>
/// <param name="OutputUsdPerMillion">USD per 1,000,000 output tokens.</param>
public sealed record ModelEntry(string Id, string Provider, string Model, string PromptVersion, string Thresholds,
    DateTimeOffset EffectiveFrom, bool Active, DateTimeOffset? ActivatedAt, string? ActivatedBy, bool InUse,
    decimal InputUsdPerMillion = 0, decimal OutputUsdPerMillion = 0);
