using System.Text.Json;
using Dapper;
using Npgsql;

namespace Impact.Ingest.Tests.Privacy;

/// <summary>
/// Two people who met in Kintell sessions: the subject of a privacy request and someone else, with sessions both
/// ways, ratings, bookings, the stored webhook payloads that created them, and events naming them. Both are people of
/// company <see cref="CompanyId"/>, whose privacy officers are <see cref="Alice"/> and <see cref="Bob"/>.
/// </summary>
public sealed record PrivacyTestData(Guid SubjectId, string SubjectEmail, Guid OtherId, string OtherEmail, Guid CompanyId,
    int SubjectSessions, int SubjectRatings, int SubjectBookings, int SubjectDeliveries, int SubjectEvents)
{
    /// <summary>A privacy officer of the company, who asks for requests.</summary>
    public PrivacyOfficer Alice => new("alice", CompanyId);

    /// <summary>A second privacy officer of the company, who approves.</summary>
    public PrivacyOfficer Bob => new("bob", CompanyId);

    public static async Task<PrivacyTestData> SeedAsync(NpgsqlDataSource dataSource, int sessions = 3)
    {
        var suffix = Guid.NewGuid().ToString("N")[..8];
        var subjectEmail = $"amira.{suffix}@example.org";
        var otherEmail = $"volunteer.{suffix}@acme.example";
        await using var conn = await dataSource.OpenConnectionAsync();
        var companyId = await conn.ExecuteScalarAsync<Guid>(
            "INSERT INTO impact.companies (name, email_domain) VALUES ('Acme', @domain) RETURNING id", new { domain = $"acme-{suffix}.example" });
        var subjectId = await conn.ExecuteScalarAsync<Guid>(
            """
            INSERT INTO impact.users (email, display_name, role, company_id)
            VALUES (@subjectEmail, 'Amira K.', 'participant', @companyId) RETURNING id
            """, new { subjectEmail, companyId });
        var otherId = await conn.ExecuteScalarAsync<Guid>(
            """
            INSERT INTO impact.users (email, display_name, role, company_id)
            VALUES (@otherEmail, 'Vera V.', 'volunteer', @companyId) RETURNING id
            """, new { otherEmail, companyId });

        var deliveries = 0;
        var events = 0;
        for (var i = 0; i < sessions; i++)
        {
            var sessionExternal = $"s-{suffix}-{i}";
            await conn.ExecuteAsync(
                """
                INSERT INTO impact.kintell_sessions (external_id, session_type, participant_id, volunteer_id, company_id,
                    scheduled_at, completed_at, duration_minutes, topics, language_level)
                VALUES (@sessionExternal, 'language', @subjectId, @otherId, @companyId,
                    now() - interval '2 days', now() - interval '2 days' + interval '45 minutes', 45 + @i, ARRAY['grammar, tenses', 'work "CV"'], 'B1')
                """, new { sessionExternal, subjectId, otherId, companyId, i });
            await InsertDeliveryAsync(conn, $"d-{suffix}-s{i}", "session-completed", new Dictionary<string, object>
            {
                ["session_id"] = sessionExternal, ["session_type"] = "language",
                ["participant_email"] = subjectEmail.ToUpperInvariant(), ["volunteer_email"] = otherEmail,
                ["duration_minutes"] = 45 + i,
            });
            deliveries++;
            await InsertEventAsync(conn, companyId, "kintell.session.completed",
                new { sessionId = sessionExternal, participantId = subjectId, volunteerId = otherId, durationMinutes = 45 + i });
            events++;

            // The subject rates the session; the volunteer rates it too (not the subject's data).
            await conn.ExecuteAsync(
                """
                INSERT INTO impact.kintell_ratings (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, feedback_text, rated_at)
                VALUES (@r1, @sessionExternal, @subjectId, 'participant', 5, 1.0, 'Vera was patient, thank you!', now()),
                       (@r2, @sessionExternal, @otherId, 'volunteer', 4, 0.75, 'Amira improved a lot', now())
                """, new { r1 = $"r-{suffix}-{i}-p", r2 = $"r-{suffix}-{i}-v", sessionExternal, subjectId, otherId });
            await InsertDeliveryAsync(conn, $"d-{suffix}-r{i}", "rating-created", new Dictionary<string, object>
            {
                ["rating_id"] = $"r-{suffix}-{i}-p", ["session_id"] = sessionExternal, ["from_role"] = "participant",
                ["rating"] = 5, ["feedback_text"] = "Vera was patient, thank you!",
            });
            await InsertDeliveryAsync(conn, $"d-{suffix}-rv{i}", "rating-created", new Dictionary<string, object>
            {
                ["rating_id"] = $"r-{suffix}-{i}-v", ["session_id"] = sessionExternal, ["from_role"] = "volunteer",
                ["rating"] = 4, ["feedback_text"] = "Amira improved a lot",
            });
            deliveries++;
            await InsertEventAsync(conn, companyId, "kintell.rating.created", new { ratingId = $"r-{suffix}-{i}-p", raterId = subjectId, rating = 5 });
            await InsertEventAsync(conn, companyId, "kintell.rating.created", new { ratingId = $"r-{suffix}-{i}-v", raterId = otherId, rating = 4 });
            events++;
        }

        await conn.ExecuteAsync(
            """
            INSERT INTO impact.kintell_bookings (external_id, session_type, participant_id, volunteer_id, company_id, scheduled_at)
            VALUES (@b, 'mentorship', @subjectId, @otherId, @companyId, now() + interval '3 days')
            """, new { b = $"b-{suffix}", subjectId, otherId, companyId });
        await InsertDeliveryAsync(conn, $"d-{suffix}-b", "booking-confirmed", new Dictionary<string, object>
        {
            ["booking_id"] = $"b-{suffix}", ["session_type"] = "mentorship",
            ["participant_email"] = subjectEmail, ["volunteer_email"] = otherEmail,
        });
        deliveries++;
        // Someone else's booking, to prove it stays out of the export and untouched by the erasure.
        await InsertDeliveryAsync(conn, $"d-{suffix}-x", "booking-confirmed", new Dictionary<string, object>
        {
            ["booking_id"] = $"bx-{suffix}", ["session_type"] = "mentorship",
            ["participant_email"] = $"someone.{suffix}@example.org", ["volunteer_email"] = otherEmail,
        });

        return new PrivacyTestData(subjectId, subjectEmail, otherId, otherEmail, companyId,
            sessions, sessions, 1, deliveries, events);
    }

    /// <summary>Another company (no people): its privacy officer is the stranger of the tenancy tests.</summary>
    public static async Task<Guid> OtherCompanyAsync(NpgsqlDataSource dataSource)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<Guid>(
            "INSERT INTO impact.companies (name, email_domain) VALUES ('Globex', @domain) RETURNING id",
            new { domain = $"globex-{Guid.NewGuid():N}.example" });
    }

    private static Task InsertDeliveryAsync(NpgsqlConnection conn, string deliveryId, string eventType, Dictionary<string, object> payload)
    {
        var json = JsonSerializer.Serialize(payload);
        return conn.ExecuteAsync(
            """
            INSERT INTO impact.webhook_deliveries (source, delivery_id, event_type, payload_hash, payload, status)
            VALUES ('kintell', @deliveryId, @eventType, encode(sha256(convert_to(@json, 'UTF8')), 'hex'), @json::jsonb, 'processed')
            """, new { deliveryId, eventType, json });
    }

    private static Task InsertEventAsync(NpgsqlConnection conn, Guid companyId, string type, object data) =>
        conn.ExecuteAsync(
            "INSERT INTO impact.events (company_id, type, data) VALUES (@companyId, @type, @json::jsonb)",
            new { companyId, type, json = JsonSerializer.Serialize(data, Impact.Shared.JsonDefaults.Web) });
}
