namespace Impact.Ingest.Feedback;

/// <summary>Body of <c>PUT /v1/companies/{id}/ai-budget</c>: the monthly AI budget in USD (0 to 1,000,000; 0 stops paid classification).</summary>
public sealed record AiBudgetRequest(decimal? MonthlyBudgetUsd);
