using System.Text.Json;
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

    /// <summary>
    /// <see cref="StoreAsync"/> for a batch of screened texts, in three statements whatever the batch size: all flags, the
    /// review items of the MEDIUM and HIGH texts (each on its highest flag), and their <c>safety.flag.raised</c> events
    /// (correlation id <c>text:{id}</c>). The texts must be distinct.
    /// </summary>
    public static async Task StoreManyAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        IReadOnlyList<(Guid TextId, Guid? CompanyId, ScreeningResult Screening)> texts, CancellationToken ct = default)
    {
        var flags = new List<(Guid TextId, Guid? CompanyId, CategoryScore Score, bool Review)>();
        foreach (var (textId, companyId, screening) in texts)
        {
            var review = screening.Risk >= RiskLevel.Medium;
            foreach (var s in screening.Scores.Where(s => s.Score >= FlagFrom).OrderByDescending(s => s.Score).ThenBy(s => s.Category, StringComparer.Ordinal))
            {
                flags.Add((textId, companyId, s, review));
            }
        }

        if (flags.Count == 0)
        {
            return;
        }

        // reasons is text[] per flag: passed as one JSON array of arrays (PostgreSQL has no arrays of arrays of varying length).
        var stored = (await conn.QueryAsync<(Guid Id, Guid TextId, string Category)>(new CommandDefinition(
            """
            INSERT INTO impact.safety_flags (text_id, company_id, category, score, risk, reasons, requires_review, status)
            SELECT u.text_id, u.company_id, u.category, u.score, u.risk,
                   ARRAY(SELECT jsonb_array_elements_text(u.reasons)), u.review, u.status
            FROM unnest(@textIds, @companyIds, @categories, @scores, @risks, @reasons::jsonb[], @reviews, @statuses)
                 AS u(text_id, company_id, category, score, risk, reasons, review, status)
            ON CONFLICT (text_id, category) DO UPDATE SET score = EXCLUDED.score
            RETURNING id, text_id, category
            """,
            new
            {
                textIds = flags.Select(f => f.TextId).ToArray(),
                companyIds = flags.Select(f => f.CompanyId).ToArray(),
                categories = flags.Select(f => f.Score.Category).ToArray(),
                scores = flags.Select(f => Math.Clamp(f.Score.Score, 0, 1)).ToArray(),
                risks = flags.Select(f => RiskName(Level(f.Score.Score))).ToArray(),
                reasons = flags.Select(f => JsonSerializer.Serialize(f.Score.Reasons)).ToArray(),
                reviews = flags.Select(f => f.Review).ToArray(),
                statuses = flags.Select(f => f.Review ? ReviewStatus.FlagOpen : ReviewStatus.FlagCleared).ToArray(),
            }, tx, cancellationToken: ct))).ToDictionary(f => (f.TextId, f.Category), f => f.Id);

        // The highest flag of each text that needs review (flags are in score order per text).
        var reviews = flags.Where(f => f.Review).GroupBy(f => f.TextId).Select(g => g.First()).ToList();
        if (reviews.Count == 0)
        {
            return;
        }

        var screeningOf = texts.ToDictionary(t => t.TextId, t => t.Screening);
        var items = (await conn.QueryAsync<(Guid Id, Guid TextId)>(new CommandDefinition(
            """
            INSERT INTO impact.safety_review_queue (flag_id, text_id, company_id, risk)
            SELECT * FROM unnest(@flagIds, @textIds, @companyIds, @risks)
            ON CONFLICT (text_id) DO UPDATE SET flag_id = EXCLUDED.flag_id
            RETURNING id, text_id
            """,
            new
            {
                flagIds = reviews.Select(f => stored[(f.TextId, f.Score.Category)]).ToArray(),
                textIds = reviews.Select(f => f.TextId).ToArray(),
                companyIds = reviews.Select(f => f.CompanyId).ToArray(),
                risks = reviews.Select(f => RiskName(screeningOf[f.TextId].Risk)).ToArray(),
            }, tx, cancellationToken: ct))).ToDictionary(i => i.TextId, i => i.Id);

        var flagsOfText = flags.ToLookup(f => f.TextId);
        await EventLog.AppendManyAsync(conn, tx, reviews.Select(f => ((Guid?)f.CompanyId, EventTypes.SafetyFlagRaised, (object)new
        {
            reviewItemId = items[f.TextId], textId = f.TextId, risk = RiskName(screeningOf[f.TextId].Risk),
            categories = flagsOfText[f.TextId].Select(x => x.Score.Category).ToArray(), held = screeningOf[f.TextId].Risk == RiskLevel.High,
        }, (string?)$"text:{f.TextId}")).ToList(), ct);
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
