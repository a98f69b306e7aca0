namespace Impact.Ingest.Feedback;

/// <summary>
/// Body of <c>POST /v1/models/{id}/evaluations</c> (optional): <c>set</c> names a built-in set (<c>held-out</c>, the
/// default), or <c>name</c> + <c>records</c> give a labelled set of the caller's own (1–2,000 records). <c>chargeTo</c> is
/// the company whose AI budget pays for the provider calls of a paid model (required for one; the embedded model costs nothing).
/// </summary>
public sealed record EvaluationRequest(string? Set, string? Name, IReadOnlyList<EvaluationRecord>? Records, Guid? ChargeTo = null);

/// <summary>One labelled text of an evaluation set: id (1–200 characters, unique), language <c>en|uk|no</c>, text (1–10,000), gold labels.</summary>
public sealed record EvaluationRecord(string? Id, string? Language, string? Text, EvaluationLabels? Labels);

/// <summary>Gold Q2Q labels (SPEC §H): the four flags, <c>languageComfort</c> <c>low|medium|high</c>, and the label names of each list.</summary>
public sealed record EvaluationLabels(
    bool ConfidenceIncrease,
    bool ConfidenceDecrease,
    bool BelongingIncrease,
    bool BelongingDecrease,
    string? LanguageComfort,
    IReadOnlyList<string>? EmployabilitySignals,
    IReadOnlyList<string>? RiskCues,
    IReadOnlyList<string>? Topics);

/// <summary>Body of <c>POST /v1/models/{id}/activate</c> (optional): <c>override: true</c> with a <c>reason</c> (1–500 characters) activates a model that scored below the model in use.</summary>
public sealed record ActivateRequest(bool Override, string? Reason);
