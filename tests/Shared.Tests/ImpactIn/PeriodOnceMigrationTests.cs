using Dapper;
using Impact.Shared.Database;
using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;

namespace Impact.Shared.Tests.ImpactIn;

public sealed class PeriodOnceMigrationTests
{
    [Fact]
    public async Task Migration0060KeepsTheOldestDeliveryOfEachCompanyPlatformAndPeriodAndThenRefusesASecond()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var conn = await db.DataSource.OpenConnectionAsync();
        // The schema as it was before 0060: unique per schedule only.
        await conn.ExecuteAsync("""
            DROP INDEX impact.impact_deliveries_company_platform_period_key;
            ALTER TABLE impact.impact_deliveries
                ADD CONSTRAINT impact_deliveries_schedule_period_key UNIQUE (schedule_id, period_kind, period_start);
            """);
        var company = await ImpactData.CompanyAsync(db.DataSource);
        // March delivered by a deleted schedule (schedule_id set null), then again by its successor; April once.
        var oldest = await DeliveryAsync(conn, company, "2026-03-01", "old", "2026-04-01T00:00:00Z");
        var again = await DeliveryAsync(conn, company, "2026-03-01", "new", "2026-04-02T00:00:00Z");
        var april = await DeliveryAsync(conn, company, "2026-04-01", "new-apr", "2026-05-01T00:00:00Z");
        var otherPlatform = await DeliveryAsync(conn, company, "2026-03-01", "goodera", "2026-04-03T00:00:00Z", "goodera");
        await conn.ExecuteAsync("""
            INSERT INTO impact.impact_delivery_attempts (delivery_id, attempt, instance_id, started_at, duration_ms, outcome)
            VALUES (@again, 1, 'new', now(), 5, 'succeeded')
            """, new { again });

        await conn.ExecuteAsync(Script("0060_impact_in_period_once.sql"));

        var kept = (await conn.QueryAsync<Guid>("SELECT id FROM impact.impact_deliveries ORDER BY created_at")).ToList();
        Assert.Equal([oldest, otherPlatform, april], kept);
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT count(*)::int FROM impact.impact_delivery_attempts"));
        var audit = Assert.Single(await conn.QueryAsync<(string Action, string Subject, Guid CompanyId)>(
            "SELECT action, subject, company_id FROM impact.audit_log WHERE action LIKE 'impact_in.delivery.%'"));
        Assert.Equal(("impact_in.delivery.duplicate_removed", again.ToString(), company), audit);
        var duplicate = await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            DeliveryAsync(conn, company, "2026-03-01", "another-schedule", "2026-06-01T00:00:00Z"));
        Assert.Equal("impact_deliveries_company_platform_period_key", duplicate.ConstraintName);
    }

    private static async Task<Guid> DeliveryAsync(Npgsql.NpgsqlConnection conn, Guid company, string periodStart, string key, string createdAt,
        string platform = "benevity")
    {
        var id = Guid.CreateVersion7();
        await conn.ExecuteAsync("""
            INSERT INTO impact.impact_deliveries
                (id, company_id, platform, period_kind, period_start, period_end, time_zone, scheduled_for, instance_id, idempotency_key, created_at)
            VALUES (@id, @company, @platform, 'month', @periodStart::date, (@periodStart::date + interval '1 month' - interval '1 day')::date, 'UTC',
                    @createdAt::timestamptz, @key, @key, @createdAt::timestamptz)
            """, new { id, company, platform, periodStart, key, createdAt });
        return id;
    }

    private static string Script(string name)
    {
        var assembly = typeof(Migrations).Assembly;
        using var stream = assembly.GetManifestResourceStream(assembly.GetManifestResourceNames().Single(n => n.EndsWith(".Migrations." + name, StringComparison.Ordinal)))!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
