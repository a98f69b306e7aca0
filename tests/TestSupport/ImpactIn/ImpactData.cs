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

    /// <summary>A completed session, optionally rated (1–5).</summary>
    public static async Task SessionAsync(NpgsqlDataSource db, Guid companyId, DateTimeOffset completedAt, int minutes, Guid participant, Guid volunteer,
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
            await conn.ExecuteAsync(
                """
                INSERT INTO impact.kintell_ratings (external_id, session_external_id, from_role, rating, rating_normalized, rated_at)
                VALUES (@id, @externalId, 'participant', @r, @normalized, @ratedAt)
                """, new { id = "r-" + Guid.NewGuid().ToString("N"), externalId, r = (short)r, normalized = (r - 1) / 4.0, ratedAt = completedAt.UtcDateTime });
        }
    }

    /// <summary>A company with three sessions (two language, one mentorship; 150 minutes) in the given period, two of them rated.</summary>
    public static async Task<Guid> CompanyWithSessionsAsync(NpgsqlDataSource db, DateTimeOffset periodStart)
    {
        var company = await CompanyAsync(db);
        var v1 = await UserAsync(db, "volunteer", company);
        var v2 = await UserAsync(db, "volunteer", company);
        var p1 = await UserAsync(db, "participant");
        var p2 = await UserAsync(db, "participant");
        await SessionAsync(db, company, periodStart.AddDays(2), 60, p1, v1, "language", rating: 5);
        await SessionAsync(db, company, periodStart.AddDays(3), 45, p2, v1, "language", rating: 3);
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
