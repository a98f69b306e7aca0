using Impact.Shared.Feedback.Models;

namespace Impact.Shared.Feedback;

/// <summary>
/// What a classifier is given: the text with PII already masked, its detected language, and the company it belongs to (for budgets).
/// <see cref="Model"/> names the registry model to classify with (an evaluation of a model not in use); null means the model in use.
/// </summary>
public sealed record ClassificationRequest(string MaskedText, string Language, Guid? CompanyId, ModelEntry? Model = null);
