using System.Text.Json;
using Dapper;
using Npgsql;

namespace Impact.Shared.Privacy;

/// <summary><c>impact.privacy_audit_log</c>: one row per step of a privacy request, written in the step's transaction.</summary>
public static class PrivacyAudit
{
    /// <summary>Who performs steps nobody triggered by hand (expiry, export, failure).</summary>
    public const string System = "system";

    /// <summary>
    /// Appends one row in the caller's transaction (or on its own when <paramref name="tx"/> is null, for a step done outside one); <paramref name="performedBy"/> is the token's principal of whoever
    /// made the call, or <see cref="System"/>.
    /// </summary>
    public static Task AppendAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid requestId, string action, object? details,
        string performedBy, CancellationToken ct = default) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO impact.privacy_audit_log (request_id, action, details, performed_by)
            VALUES (@requestId, @action, @details::jsonb, @performedBy)
            """,
            new { requestId, action, details = details is null ? null : JsonSerializer.Serialize(details, JsonDefaults.Web), performedBy },
            tx, cancellationToken: ct));
}
