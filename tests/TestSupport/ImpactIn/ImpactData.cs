using Dapper;
using Npgsql;

namespace Impact.TestSupport.ImpactIn;

/// <summary>Builders for the rows Impact-In reads: companies, people, sessions and ratings.</summary>
public static class ImpactData
{
    public static async Task<Guid> CompanyAsync(NpgsqlDataSource db, string name = "Acme")
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<Guid>("INSERT INTO impact.companies (name) VALUES (@name) RETURNING id", new { name });
    }

    public static async Task<Guid> UserAsync(NpgsqlDataSource db, string role, Guid? companyId = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<Guid>(
            "INSERT INTO impact.users (email, role, company_id) VALUES (@email, @role, @companyId) RETURNING id",
            new { email = $"{role}-{Guid.NewGuid():N}@example.org", role, companyId });
    }

    /// <summary>A completed session, optionally rated (1–5); returns the rating's external id, if rated.</summary>
    public static async Task<string?> SessionAsync(NpgsqlDataSource db, Guid companyId, DateTimeOffset completedAt, int minutes, Guid participant, Guid volunteer,
        string type = "language", int? rating = null)
    {
        var externalId = "s-" + Guid.NewGuid().ToString("N");
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO impact.kintell_sessions (external_id, session_type, participant_id, volunteer_id, company_id, completed_at, duration_minutes)
            VALUES (@externalId, @type, @participant, @volunteer, @companyId, @completedAt, @minutes)
            """, new { externalId, type, participant, volunteer, companyId, completedAt = completedAt.UtcDateTime, minutes });
        if (rating is { } r)
        {
            var ratingId = "r-" + Guid.NewGuid().ToString("N");
            await conn.ExecuteAsync(
                """
                INSERT INTO impact.kintell_ratings (external_id, session_external_id, from_role, rating, rating_normalized, rated_at)
                VALUES (@ratingId, @externalId, 'participant', @r, @normalized, @ratedAt)
                """, new { ratingId, externalId, r = (short)r, normalized = (r - 1) / 4.0, ratedAt = completedAt.UtcDateTime });
            return ratingId;
        }

        return null;
    }

    /// <summary>
    /// A classified feedback text with its five outcome scores (confidence, belonging, lang_level_proxy, job_readiness,
    /// well_being, in that order): a rating's text when <paramref name="ratingId"/> is given, else an API text received at
    /// <paramref name="receivedAt"/>.
    /// </summary>
    public static async Task<Guid> ScoredTextAsync(NpgsqlDataSource db, Guid companyId, double[] scores, string? ratingId = null, DateTimeOffset? receivedAt = null)
    {
        string[] dimensions = ["confidence", "belonging", "lang_level_proxy", "job_readiness", "well_being"];
        await using var conn = await db.OpenConnectionAsync();
        var textId = await conn.ExecuteScalarAsync<Guid>(
            """
            INSERT INTO impact.texts (source, content_id, content_type, company_id, text, status, language, received_at)
            VALUES (@source, @contentId, 'feedback_text', @companyId, 'feedback', 'classified', 'en', coalesce(@receivedAt, now()))
            RETURNING id
            """, new { source = ratingId is null ? "api" : "kintell_rating", contentId = ratingId ?? Guid.NewGuid().ToString("N"), companyId,
                receivedAt = receivedAt?.UtcDateTime });
        for (var i = 0; i < dimensions.Length; i++)
        {
            await conn.ExecuteAsync(
                """
                INSERT INTO impact.outcome_scores (text_id, company_id, dimension, score, model_id, provider, prompt_version, language, method)
                VALUES (@textId, @companyId, @dimension, @score, 'test-model', 'embedded', 'test', 'en', 'embedded')
                """, new { textId, companyId, dimension = dimensions[i], score = scores[i] });
        }

        return textId;
    }

    /// <summary>
    /// A company with three sessions (two language, one mentorship; 150 minutes) in the given period, two of them rated, both
    /// ratings with a classified feedback text: scores (0.8, 0.5, 0.9, 0.45, 0.9) and (0.5, 0.5, 0.6, 0.3, 0.75), so the outcome
    /// score is 0.62 and the dimension means are 0.65, 0.5, 0.75, 0.375, 0.825.
    /// </summary>
    public static async Task<Guid> CompanyWithSessionsAsync(NpgsqlDataSource db, DateTimeOffset periodStart)
    {
        var company = await CompanyAsync(db);
        var v1 = await UserAsync(db, "volunteer", company);
        var v2 = await UserAsync(db, "volunteer", company);
        var p1 = await UserAsync(db, "participant");
        var p2 = await UserAsync(db, "participant");
        var r1 = await SessionAsync(db, company, periodStart.AddDays(2), 60, p1, v1, "language", rating: 5);
        var r2 = await SessionAsync(db, company, periodStart.AddDays(3), 45, p2, v1, "language", rating: 3);
        await ScoredTextAsync(db, company, [0.8, 0.5, 0.9, 0.45, 0.9], r1);
        await ScoredTextAsync(db, company, [0.5, 0.5, 0.6, 0.3, 0.75], r2);
        await SessionAsync(db, company, periodStart.AddDays(4), 45, p1, v2, "mentorship");
        return company;
    }

    public static async Task<T> ScalarAsync<T>(NpgsqlDataSource db, string sql, object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<T>(sql, args))!;
    }

    public static async Task<List<T>> QueryAsync<T>(NpgsqlDataSource db, string sql, object? args = null)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql, args)).AsList();
    }
}
