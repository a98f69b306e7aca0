namespace Impact.Shared.Feedback.Drift;

/// <summary>A row of <c>impact.drift_checks</c>: one company and language, the recent window against the baseline window.</summary>
/// <param name="Id">The check's id.</param>
/// <param name="CompanyId">The company.</param>
/// <param name="Language">The texts' language.</param>
/// <param name="RecentFrom">Start of the recent window (inclusive).</param>
/// <param name="RecentTo">End of the recent window (exclusive): the instant checked.</param>
/// <param name="BaselineFrom">Start of the baseline window (inclusive).</param>
/// <param name="BaselineTo">End of the baseline window (exclusive) = start of the recent one.</param>
/// <param name="RecentTexts">Scored texts in the recent window.</param>
/// <param name="BaselineTexts">Scored texts in the baseline window.</param>
/// <param name="Psi">The largest PSI (nats) over the dimensions; null with insufficient data.</param>
/// <param name="JsDivergence">The largest Jensen–Shannon divergence (bits) over the dimensions; null with insufficient data.</param>
/// <param name="Dimension">The dimension of <see cref="Psi"/>.</param>
/// <param name="Status"><c>ok</c>, <c>warn</c>, <c>alert</c> or <c>insufficient_data</c> (<see cref="DriftStatus"/>).</param>
/// <param name="Alerted">True when this check started an alert episode and emitted <c>q2q.drift.alert</c>.</param>
/// <param name="Dimensions">Each dimension's bins, counts and figures.</param>
/// <param name="CheckedAt">When the check ran.</param>
public sealed record DriftCheck(Guid Id, Guid CompanyId, string Language, DateTime RecentFrom, DateTime RecentTo, DateTime BaselineFrom,
    DateTime BaselineTo, int RecentTexts, int BaselineTexts, double? Psi, double? JsDivergence, string? Dimension, string Status, bool Alerted,
    IReadOnlyList<DriftDimension> Dimensions, DateTime CheckedAt);
