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
/// <param name="OutcomeScore">Mean normalised rating (0–1); null without ratings.</param>
/// <param name="BySessionType">The same numbers per session type.</param>
public sealed record ImpactMetrics(decimal VolunteerHours, int Sessions, int Participants, int Volunteers, int Ratings,
    double? MeanRating, double? OutcomeScore, IReadOnlyList<SessionTypeMetrics> BySessionType)
{
    /// <summary>
    /// Reads the metrics of sessions the company's volunteers completed in [from, to). One round trip.
    /// There is no outcome-score table yet, so the outcome score is the mean normalised rating of those
    /// sessions, and it is left out (null) when nobody rated them.
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
            """,
            new { companyId, from = from.UtcDateTime, to = to.UtcDateTime }, cancellationToken: ct));

        var rows = (await grid.ReadAsync<SessionRow>()).ToList();
        var ratings = await grid.ReadSingleAsync<RatingRow>();
        var total = rows.Single(r => r.SessionType is null);
        return new ImpactMetrics(
            Hours(total.Minutes), total.Sessions, total.Participants, total.Volunteers, ratings.Ratings,
            ratings.MeanRating is { } m ? Math.Round(m, 2) : null,
            ratings.MeanNormalized is { } n ? Math.Round(n, 4) : null,
            rows.Where(r => r.SessionType is not null)
                .Select(r => new SessionTypeMetrics(r.SessionType!, r.Sessions, Hours(r.Minutes), r.Participants, r.Volunteers))
                .ToList());
    }

    private static decimal Hours(long minutes) => Math.Round(minutes / 60m, 2);

    private sealed record SessionRow(string? SessionType, int Sessions, long Minutes, int Participants, int Volunteers);

    private sealed record RatingRow(int Ratings, double? MeanRating, double? MeanNormalized);
}
