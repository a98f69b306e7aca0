using System.Net;
using Dapper;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Npgsql;

namespace Impact.Shared.Feedback.Pipeline;

/// <summary>Texts sent to the API: stored (audited) in one transaction, then queued.</summary>
public sealed class TextStore(NpgsqlDataSource dataSource, TextOutbox outbox)
{
    /// <summary>
    /// Stores a text for the caller's company (content ids are the company's own: another company's equal id is
    /// another text) and queues it. The same text under the same content id again changes nothing; a changed text
    /// replaces the old one and is processed again.
    /// </summary>
    /// <exception cref="ProblemException">400 when <see cref="NewText.UserId"/> is not a user of the caller's company; 403 without a company.</exception>
    public async Task<TextAccepted> SubmitAsync(NewText text, Caller caller, CancellationToken ct = default)
    {
        var company = caller.CompanyId
            ?? throw new ProblemException(HttpStatusCode.Forbidden, "A company is required", "Texts belong to a company: the token carries no company claim.");
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (text.UserId is { } userId && !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM impact.users WHERE id = @userId AND company_id = @company)",
                new { userId, company }, tx, cancellationToken: ct)))
        {
            throw ProblemException.Validation($"There is no user with id '{userId}' in your company.",
                new Dictionary<string, string[]> { ["userId"] = ["is not a user of your company"] });
        }

        var contentId = StoredContentId(company, text.ContentId);
        var id = await TextRows.UpsertAsync(conn, tx, TextSources.Api, contentId, text.ContentType, company, text.UserId, text.Text, ct);
        if (id is null)
        {
            var existing = await conn.QuerySingleAsync<(Guid Id, string Status)>(new CommandDefinition(
                "SELECT id, status FROM impact.texts WHERE source = @source AND content_id = @contentId",
                new { source = TextSources.Api, contentId }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return new TextAccepted(existing.Id, text.ContentId, existing.Status, Changed: false);
        }

        await AuditLog.AppendAsync(conn, tx, caller, "text.submit", $"text:{id}",
            new { contentType = text.ContentType, characters = text.Text.Length, withUser = text.UserId is not null }, ct);
        await tx.CommitAsync(ct);
        var queued = await outbox.TryEnqueueAsync([id.Value], ct);
        return new TextAccepted(id.Value, text.ContentId, queued ? TextStatus.Queued : TextStatus.Received, Changed: true);
    }

    // Content ids are unique per company; stored with the company in front so two companies never share a row.
    private static string StoredContentId(Guid company, string contentId) => $"{company:N}/{contentId}";
}
