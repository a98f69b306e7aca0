namespace Impact.Shared.Feedback.Budgets;

/// <summary>A company's AI budget and this month's spend (<c>GET/PUT /v1/companies/{id}/ai-budget</c>).</summary>
/// <param name="CompanyId">The company.</param>
/// <param name="Month">The UTC month shown, <c>yyyy-MM</c>.</param>
/// <param name="MonthlyBudgetUsd">The monthly budget in USD.</param>
/// <param name="BudgetSource"><c>company</c> (set by an operator) or <c>default</c> (<c>Q2QCost:DefaultMonthlyBudgetUsd</c>).</param>
/// <param name="SpentUsd">Settled cost of this month's calls.</param>
/// <param name="ReservedUsd">Cost held by calls in flight.</param>
/// <param name="RemainingUsd">Budget minus spent and reserved (never below 0).</param>
/// <param name="Requests">Paid provider calls made this month.</param>
/// <param name="InputTokens">Input tokens of those calls, as the providers reported them.</param>
/// <param name="OutputTokens">Output tokens of those calls.</param>
/// <param name="RequestsPerMinute">The rate limit of paid calls per minute.</param>
/// <param name="ResetsAt">When the next month's budget starts (UTC).</param>
/// <param name="UpdatedAt">When an operator last set the budget.</param>
/// <param name="UpdatedBy">Who set it (the token's principal).</param>
public sealed record AiBudgetView(Guid CompanyId, string Month, decimal MonthlyBudgetUsd, string BudgetSource, decimal SpentUsd,
    decimal ReservedUsd, decimal RemainingUsd, long Requests, long InputTokens, long OutputTokens, int RequestsPerMinute,
    DateTimeOffset ResetsAt, DateTimeOffset? UpdatedAt, string? UpdatedBy);
