using System.Text.Json;
using Dapper;
using Npgsql;

namespace Impact.Shared.Security;

/// <summary>
/// <c>impact.audit_log</c>: who (the token's principal) did what to which subject, written in the same
/// transaction as the change. Every state-changing API call appends one row.
/// </summary>
public static class AuditLog
{
    /// <summary>Appends one row for <paramref name="caller"/>; <paramref name="details"/> is stored as JSON (never personal data).</summary>
    public static Task AppendAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Caller caller, string action, string subject,
        object? details, CancellationToken ct = default) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO impact.audit_log (action, subject, details, performed_by, performer_name, company_id)
            VALUES (@action, @subject, @details::jsonb, @principal, @name, @companyId)
            """,
            new
            {
                action, subject,
                details = details is null ? null : JsonSerializer.Serialize(details, JsonDefaults.Web),
                principal = caller.Principal,
                name = string.IsNullOrWhiteSpace(caller.Name) ? null : caller.Name,
                companyId = caller.CompanyId,
            }, tx, cancellationToken: ct));
}
