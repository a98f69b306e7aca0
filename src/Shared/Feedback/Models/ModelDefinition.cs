namespace Impact.Shared.Feedback.Models;

/// <summary>One entry of <c>models.yaml</c>.</summary>
/// <param name="Id">Stable id, stored with every score the model produces.</param>
/// <param name="Provider">One of <see cref="ModelProviders.All"/>.</param>
/// <param name="Model">The provider's model (for Azure OpenAI: the deployment name).</param>
/// <param name="PromptVersion">Version of the prompt and output schema, stored with every score.</param>
/// <param name="Thresholds">Named decision thresholds (0–1).</param>
/// <param name="EffectiveFrom">The model is not used before this instant.</param>
/// <param name="Active">Active when first synced (if its provider has no active model yet).</param>
/// <param name="InputUsdPerMillion">Price of 1,000,000 input tokens in USD (models.yaml <c>price.input_usd_per_1m</c>; 0 for the embedded model).</param>
/// <param name="OutputUsdPerMillion">Price of 1,000,000 output tokens in USD (<c>price.output_usd_per_1m</c>).</param>
public sealed record ModelDefinition(string Id, string Provider, string Model, string PromptVersion,
    IReadOnlyDictionary<string, double> Thresholds, DateTimeOffset EffectiveFrom, bool Active,
    decimal InputUsdPerMillion = 0, decimal OutputUsdPerMillion = 0);
