using Dapper;
using Npgsql;

namespace Impact.Shared.ImpactIn;

/// <summary>What a company's volunteers did in a period, from the Kintell tables.</summary>
/// <param name="VolunteerHours">Session minutes / 60, two decimals.</param>
/// <param name="Sessions">Completed sessions.</param>
/// <param name="Participants">Distinct participants.</param>
/// <param name="Volunteers">Distinct volunteers of the company.</param>
/// <param name="Ratings">Ratings left for those sessions.</param>
/// <param name="MeanRating">Mean rating on the 1–5 scale; null without ratings.</param>
/// <param name="OutcomeScore">Mean of the Q2Q outcome dimension scores (0–1) of the period's classified feedback texts; null without any.</param>
/// <param name="BySessionType">The same numbers per session type.</param>
/// <param name="ScoredTexts">Feedback texts with outcome scores in the period.</param>
/// <param name="Outcomes">Mean score per outcome dimension (confidence, belonging, lang_level_proxy, job_readiness, well_being); empty without scores.</param>
public sealed record ImpactMetrics(decimal VolunteerHours, int Sessions, int Participants, int Volunteers, int Ratings,
    double? MeanRating, double? OutcomeScore, IReadOnlyList<SessionTypeMetrics> BySessionType,
    int ScoredTexts, IReadOnlyDictionary<string, double> Outcomes)
{
    /// <summary>
    /// Reads the metrics of sessions the company's volunteers completed in [from, to). One round trip.
    /// The outcome score is the mean of the outcome dimension scores (SPEC §H) of the company's classified texts
    /// whose session was completed in the period (a rating's feedback) or, for texts without a session, that were
    /// received in it; it is left out (null) when no text was scored. Ratings stay a metric of their own.
    /// </summary>
    public static async Task<ImpactMetrics> ReadAsync(NpgsqlConnection connection, Guid companyId, DateTimeOffset from, DateTimeOffset to,
        CancellationToken ct = default)
    {
        using var grid = await connection.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT s.session_type AS SessionType,
                   count(*)::int AS Sessions,
                   coalesce(sum(s.duration_minutes), 0)::bigint AS Minutes,
                   count(DISTINCT s.participant_id)::int AS Participants,
                   count(DISTINCT s.volunteer_id)::int AS Volunteers
            FROM impact.kintell_sessions s
            WHERE s.company_id = @companyId AND s.completed_at >= @from AND s.completed_at < @to
            GROUP BY GROUPING SETS ((s.session_type), ())
            ORDER BY s.session_type NULLS FIRST;

            SELECT count(*)::int AS Ratings,
                   avg(r.rating)::float8 AS MeanRating,
                   avg(r.rating_normalized)::float8 AS MeanNormalized
            FROM impact.kintell_ratings r
            JOIN impact.kintell_sessions s ON s.external_id = r.session_external_id
            WHERE s.company_id = @companyId AND s.completed_at >= @from AND s.completed_at < @to;

            SELECT o.dimension AS Dimension, avg(o.score)::float8 AS Mean, count(DISTINCT o.text_id)::int AS Texts
            FROM impact.outcome_scores o
            JOIN impact.texts t ON t.id = o.text_id
            LEFT JOIN impact.kintell_ratings r ON t.source = 'kintell_rating' AND r.external_id = t.content_id
            LEFT JOIN impact.kintell_sessions s ON s.external_id = r.session_external_id
            WHERE o.company_id = @companyId AND t.status = 'classified'
              AND coalesce(s.completed_at, t.received_at) >= @from AND coalesce(s.completed_at, t.received_at) < @to
            GROUP BY GROUPING SETS ((o.dimension), ());
            """,
            new { companyId, from = from.UtcDateTime, to = to.UtcDateTime }, cancellationToken: ct));

        var rows = (await grid.ReadAsync<SessionRow>()).ToList();
        var ratings = await grid.ReadSingleAsync<RatingRow>();
        var outcomes = (await grid.ReadAsync<OutcomeRow>()).ToList();
        var allOutcomes = outcomes.Single(o => o.Dimension is null);
        var total = rows.Single(r => r.SessionType is null);
        return new ImpactMetrics(
            Hours(total.Minutes), total.Sessions, total.Participants, total.Volunteers, ratings.Ratings,
            ratings.MeanRating is { } m ? Math.Round(m, 2) : null,
            allOutcomes.Mean is { } o ? Math.Round(o, 4) : null,
            rows.Where(r => r.SessionType is not null)
                .Select(r => new SessionTypeMetrics(r.SessionType!, r.Sessions, Hours(r.Minutes), r.Participants, r.Volunteers))
                .ToList(),
            allOutcomes.Texts,
            outcomes.Where(d => d is { Dimension: not null, Mean: not null })
                .OrderBy(d => Feedback.OutcomeDimensions.All.ToList().IndexOf(d.Dimension!))
                .ToDictionary(d => d.Dimension!, d => Math.Round(d.Mean!.Value, 4)));
    }

    private static decimal Hours(long minutes) => Math.Round(minutes / 60m, 2);

    private sealed record SessionRow(string? SessionType, int Sessions, long Minutes, int Participants, int Volunteers);

    private sealed record RatingRow(int Ratings, double? MeanRating, double? MeanNormalized);

    private sealed record OutcomeRow(string? Dimension, double? Mean, int Texts);
}
