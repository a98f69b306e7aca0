using Dapper;
using Npgsql;

namespace Impact.Tools.Seed;

/// <summary>What <see cref="SampleData.SeedAsync"/> created (or found from an earlier run).</summary>
public sealed record SeededIds(Guid CompanyId, IReadOnlyList<Guid> VolunteerIds, IReadOnlyList<Guid> ParticipantIds, IReadOnlyList<Guid> SessionIds);

/// <summary>
/// A small, fixed data set to try the APIs with: one company (e-mail domain <c>acme.example</c>), two
/// volunteers of it, two participants, four completed sessions and a rating for each. Every row is keyed
/// by a natural key (domain, e-mail, Kintell id), so running it again changes nothing and adds nothing.
/// </summary>
public static class SampleData
{
    public const string CompanyDomain = "acme.example";

    private static readonly string[] Volunteers = ["ana@acme.example", "ben@acme.example"];
    private static readonly string[] Participants = ["farah@example.org", "yusuf@example.org"];

    public static async Task<SeededIds> SeedAsync(NpgsqlConnection conn, CancellationToken ct = default)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        var companyId = await conn.QuerySingleAsync<Guid>(new CommandDefinition(
            """
            INSERT INTO impact.companies (name, email_domain)
            VALUES ('Acme (sample)', @domain)
            ON CONFLICT (email_domain) DO UPDATE SET name = impact.companies.name
            RETURNING id
            """,
            new { domain = CompanyDomain }, tx, cancellationToken: ct));

        async Task<List<Guid>> UsersAsync(string[] emails, string role, Guid? company)
        {
            var ids = new List<Guid>();
            foreach (var email in emails)
            {
                ids.Add(await conn.QuerySingleAsync<Guid>(new CommandDefinition(
                    """
                    INSERT INTO impact.users (email, display_name, role, company_id)
                    VALUES (@email, initcap(split_part(@email, '@', 1)), @role, @company)
                    ON CONFLICT (email) DO UPDATE SET email = EXCLUDED.email
                    RETURNING id
                    """,
                    new { email, role, company }, tx, cancellationToken: ct)));
            }

            return ids;
        }

        var volunteers = await UsersAsync(Volunteers, "volunteer", companyId);
        var participants = await UsersAsync(Participants, "participant", null);

        var sessions = new List<Guid>();
        var completed = new DateTimeOffset(2026, 10, 5, 14, 0, 0, TimeSpan.Zero);
        for (var i = 0; i < 4; i++)
        {
            var externalId = $"sample-session-{i + 1}";
            var at = completed.AddDays(7 * i);
            sessions.Add(await conn.QuerySingleAsync<Guid>(new CommandDefinition(
                """
                INSERT INTO impact.kintell_sessions
                    (external_id, session_type, participant_id, volunteer_id, company_id, scheduled_at, completed_at,
                     duration_minutes, language_level, source)
                VALUES (@externalId, @type, @participant, @volunteer, @companyId, @scheduledAt, @at, 45, @level, 'seed')
                ON CONFLICT (external_id) DO UPDATE SET external_id = EXCLUDED.external_id
                RETURNING id
                """,
                new
                {
                    externalId, type = i % 2 == 0 ? "language" : "mentorship", participant = participants[i % 2],
                    volunteer = volunteers[i % 2], companyId, scheduledAt = at.AddMinutes(-45), at,
                    level = i % 2 == 0 ? "B1" : null,
                }, tx, cancellationToken: ct)));

            var rating = 3 + i % 3;
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO impact.kintell_ratings
                    (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, feedback_text, rated_at)
                VALUES (@ratingId, @externalId, @rater, 'participant', @rating, (@rating - 1) / 4.0, 'Sample feedback', @at)
                ON CONFLICT (external_id) DO NOTHING
                """,
                new { ratingId = $"{externalId}:participant", externalId, rater = participants[i % 2], rating = (short)rating, at = at.AddHours(1) },
                tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
        return new SeededIds(companyId, volunteers, participants, sessions);
    }
}
