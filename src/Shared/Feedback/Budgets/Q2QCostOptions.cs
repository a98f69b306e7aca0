using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Feedback.Budgets;

/// <summary>
/// Settings section <c>Q2QCost</c> (SPEC §I): the rate limit and the default budget of paid Q2Q provider calls, and the
/// bounds their reservations are computed from.
/// </summary>
public sealed record Q2QCostOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Q2QCost";

    /// <summary>Paid provider calls one company may start per minute (a fixed window per UTC minute), over every instance.</summary>
    [Range(1, 100_000, ErrorMessage = "Q2QCost:RequestsPerMinute must be between 1 and 100000.")]
    public int RequestsPerMinute { get; init; } = 100;

    /// <summary>The monthly budget in USD of a company an operator set none for. 0: no paid calls until one is set.</summary>
    [Range(typeof(decimal), "0", "1000000", ErrorMessage = "Q2QCost:DefaultMonthlyBudgetUsd must be between 0 and 1000000.")]
    public decimal DefaultMonthlyBudgetUsd { get; init; }

    /// <summary>The output tokens a call may produce (sent as the call's maximum), and reserved for it.</summary>
    [Range(16, 16_384, ErrorMessage = "Q2QCost:MaxOutputTokens must be between 16 and 16384.")]
    public int MaxOutputTokens { get; init; } = 1024;

    /// <summary>A reservation not settled after this long belonged to a process that died: the sweeper charges it in full and closes it.</summary>
    [Range(60, 86_400, ErrorMessage = "Q2QCost:ReservationTimeoutSeconds must be between 60 and 86400.")]
    public int ReservationTimeoutSeconds { get; init; } = 900;
}
