using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Impact.Shared.Backfill;

/// <summary>A valid row of the Kintell users CSV.</summary>
/// <param name="RowNumber">The record's number in the file (header = 1).</param>
/// <param name="Email">Lower-cased.</param>
/// <param name="DisplayName">The Name column, when given.</param>
/// <param name="Role"><c>volunteer</c> for advisors, mentors and tutors, otherwise <c>participant</c>.</param>
public sealed record UserRow(long RowNumber, string Email, string? DisplayName, string Role);

/// <summary>The Kintell users CSV (SPEC §B): validation of one record and the bulk upsert by e-mail.</summary>
public static class KintellUserRows
{
    /// <summary>The columns, in the partner's order.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["Email", "Name", "Linkedin_URL", "Verification_status", "Role when joined", "grant_access", "Joined_kg_at"];

    /// <summary>Columns a file must have.</summary>
    public static readonly IReadOnlyList<string> RequiredColumns = ["Email"];

    private static readonly string[] VolunteerRoles = ["advisor", "mentor", "tutor"];

    /// <summary>Validates one record; <paramref name="index"/> maps <see cref="Columns"/> to file positions.</summary>
    public static (UserRow? Row, string? Error) Validate(CsvRecord record, int[] index)
    {
        string Get(int column) => index[column] >= 0 && index[column] < record.Fields.Length ? record.Fields[index[column]].Trim() : "";

        var email = Get(0).ToLowerInvariant();
        if (!Emails.IsValid(email))
        {
            return (null, $"Email '{Get(0)}' is not an e-mail address");
        }

        var roleText = Get(4).ToLowerInvariant();
        var role = VolunteerRoles.Any(r => roleText.Contains(r, StringComparison.Ordinal)) ? "volunteer" : "participant";
        return (new UserRow(record.RecordNumber, email, Get(1) is { Length: > 0 } name ? name : null, role), null);
    }

    /// <summary>
    /// Upserts users by e-mail in the caller's transaction. A name is only ever filled in, never
    /// blanked; volunteers get their employer by e-mail domain unless they already have one.
    /// </summary>
    public static async Task LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<UserRow> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0)
        {
            return;
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            CREATE TEMP TABLE backfill_users_stage (
                row_number   bigint NOT NULL,
                email        text NOT NULL,
                display_name text,
                role         text NOT NULL
            ) ON COMMIT DROP
            """, transaction: transaction, commandTimeout: KintellSessionRows.LoadTimeoutSeconds, cancellationToken: ct));

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY backfill_users_stage (row_number, email, display_name, role) FROM STDIN (FORMAT BINARY)", ct))
        {
            copy.Timeout = TimeSpan.FromSeconds(KintellSessionRows.LoadTimeoutSeconds);
            foreach (var r in rows)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(r.RowNumber, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(r.Email, NpgsqlDbType.Text, ct);
                if (r.DisplayName is null)
                {
                    await copy.WriteNullAsync(ct);
                }
                else
                {
                    await copy.WriteAsync(r.DisplayName, NpgsqlDbType.Text, ct);
                }

                await copy.WriteAsync(r.Role, NpgsqlDbType.Text, ct);
            }

            await copy.CompleteAsync(ct);
        }

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO impact.users AS u (email, display_name, role, company_id)
            SELECT DISTINCT ON (s.email) s.email, s.display_name, s.role, c.id
            FROM backfill_users_stage s
            LEFT JOIN impact.companies c ON s.role = 'volunteer' AND c.email_domain = split_part(s.email, '@', 2)
            ORDER BY s.email, s.row_number DESC
            ON CONFLICT (email) DO UPDATE SET
                display_name = COALESCE(EXCLUDED.display_name, u.display_name),
                role = EXCLUDED.role,
                company_id = COALESCE(u.company_id, EXCLUDED.company_id),
                updated_at = clock_timestamp()
            WHERE (u.display_name, u.role, u.company_id)
                IS DISTINCT FROM (COALESCE(EXCLUDED.display_name, u.display_name), EXCLUDED.role, COALESCE(u.company_id, EXCLUDED.company_id))
            """, transaction: transaction, commandTimeout: KintellSessionRows.LoadTimeoutSeconds, cancellationToken: ct));
    }
}
