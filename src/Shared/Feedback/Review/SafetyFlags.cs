using Dapper;
using Impact.Shared.Events;
using Npgsql;

namespace Impact.Shared.Feedback.Review;

/// <summary>Stores what screening found for one text, in the pipeline's transaction: flags, the review item, the event.</summary>
public static class SafetyFlags
{
    /// <summary>The lowest score that is stored as a flag (LOW).</summary>
    public const double FlagFrom = 0.3;

    /// <summary>
    /// One flag per category scored LOW or above; for a MEDIUM or HIGH text a review item (on its highest flag) and
    /// <c>safety.flag.raised</c>. Returns the review item's id, or null when no review is needed.
    /// </summary>
    public static async Task<Guid?> StoreAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid textId, Guid? companyId,
        ScreeningResult screening, string correlationId, CancellationToken ct = default)
    {
        var review = screening.Risk >= RiskLevel.Medium;
        var flags = new List<(Guid Id, string Category, double Score)>();
        foreach (var s in screening.Scores.Where(s => s.Score >= FlagFrom).OrderByDescending(s => s.Score).ThenBy(s => s.Category, StringComparer.Ordinal))
        {
            var id = await conn.ExecuteScalarAsync<Guid>(new CommandDefinition(
                """
                INSERT INTO impact.safety_flags (text_id, company_id, category, score, risk, reasons, requires_review, status)
                VALUES (@textId, @companyId, @Category, @score, @risk, @reasons, @review, @status)
                ON CONFLICT (text_id, category) DO UPDATE SET score = EXCLUDED.score
                RETURNING id
                """,
                new
                {
                    textId, companyId, s.Category, score = Math.Clamp(s.Score, 0, 1), risk = RiskName(Level(s.Score)),
                    reasons = s.Reasons.ToArray(), review, status = review ? ReviewStatus.FlagOpen : ReviewStatus.FlagCleared,
                }, tx, cancellationToken: ct));
            flags.Add((id, s.Category, s.Score));
        }

        if (!review || flags.Count == 0)
        {
            return null;
        }

        var risk = RiskName(screening.Risk);
        var itemId = await conn.ExecuteScalarAsync<Guid>(new CommandDefinition(
            """
            INSERT INTO impact.safety_review_queue (flag_id, text_id, company_id, risk)
            VALUES (@flagId, @textId, @companyId, @risk)
            ON CONFLICT (text_id) DO UPDATE SET flag_id = EXCLUDED.flag_id
            RETURNING id
            """, new { flagId = flags[0].Id, textId, companyId, risk }, tx, cancellationToken: ct));
        await EventLog.AppendAsync(conn, tx, EventTypes.SafetyFlagRaised, companyId, new
        {
            reviewItemId = itemId, textId, risk, categories = flags.Select(f => f.Category).ToArray(), held = screening.Risk == RiskLevel.High,
        }, correlationId, ct);
        return itemId;
    }

    /// <summary>The stored name of a risk level: <c>none|low|medium|high</c>.</summary>
    public static string RiskName(RiskLevel risk) => risk switch
    {
        RiskLevel.High => "high",
        RiskLevel.Medium => "medium",
        RiskLevel.Low => "low",
        _ => "none",
    };

    /// <summary>The risk of one category score (SPEC §G thresholds).</summary>
    public static RiskLevel Level(double score) => score switch
    {
        >= 0.9 => RiskLevel.High,
        >= 0.6 => RiskLevel.Medium,
        >= FlagFrom => RiskLevel.Low,
        _ => RiskLevel.None,
    };
}
