using System.Text.Json;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Idempotency;

/// <summary>
/// <c>impact.idempotency_keys</c>: one row per caller and key. The row is claimed (inserted, or taken over when
/// it has expired or its request was abandoned) before the function runs, so the unique key decides which of
/// two concurrent requests runs; the answer is stored when the function has answered.
/// </summary>
public sealed class IdempotencyKeys(NpgsqlDataSource dataSource, TimeProvider clock, IOptions<IdempotencyOptions> options)
{
    private readonly IdempotencyOptions settings = options.Value;

    /// <summary>
    /// Claims the key of <paramref name="request"/> for this request, or returns the earlier request's row
    /// (still running, or completed with its answer).
    /// </summary>
    public async Task<IdempotencyClaim> ClaimAsync(IdempotencyRequest request, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // A row released between the insert attempt and the read is gone: try again (a few times at most).
        for (var attempt = 0; ; attempt++)
        {
            var now = clock.GetUtcNow().UtcDateTime;
            var claimed = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(
                """
                INSERT INTO impact.idempotency_keys
                    (company_id, principal, idempotency_key, request_method, request_route, request_target, status,
                     created_at, locked_until, expires_at)
                VALUES (@CompanyId, @Principal, @Key, @Method, @Route, @Target, 'in_flight', @now, @lockedUntil, @expiresAt)
                ON CONFLICT (company_id, principal, idempotency_key) DO UPDATE
                SET request_method = EXCLUDED.request_method, request_route = EXCLUDED.request_route,
                    request_target = EXCLUDED.request_target, request_hash = NULL, status = 'in_flight',
                    response_status = NULL, response_headers = NULL, response_body = NULL,
                    created_at = EXCLUDED.created_at, locked_until = EXCLUDED.locked_until, expires_at = EXCLUDED.expires_at
                -- Only an expired key, or one whose request died before answering, is taken over.
                WHERE idempotency_keys.expires_at <= @now
                   OR (idempotency_keys.status = 'in_flight' AND idempotency_keys.locked_until <= @now)
                RETURNING id
                """,
                new
                {
                    request.CompanyId, request.Principal, request.Key, request.Method, request.Route, request.Target, now,
                    lockedUntil = now + settings.InFlightTimeout, expiresAt = now + settings.KeyLifetime,
                }, cancellationToken: ct));
            if (claimed is { } id)
            {
                return new IdempotencyClaim(id, true, IdempotencyStatus.InFlight, null, null);
            }

            var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
                """
                SELECT id, status, request_hash AS RequestHash, response_status AS ResponseStatus,
                       response_headers::text AS ResponseHeaders, response_body AS ResponseBody
                FROM impact.idempotency_keys
                WHERE company_id IS NOT DISTINCT FROM @CompanyId AND principal = @Principal AND idempotency_key = @Key
                """,
                request, cancellationToken: ct));
            if (row is not null)
            {
                var response = row is { Status: IdempotencyStatus.Completed, ResponseStatus: { } status }
                    ? new StoredResponse(status,
                        JsonSerializer.Deserialize<Dictionary<string, string>>(row.ResponseHeaders ?? "{}", JsonDefaults.Web) ?? [],
                        row.ResponseBody ?? [])
                    : null;
                return new IdempotencyClaim(row.Id, false, row.Status, row.RequestHash, response);
            }

            if (attempt == 2)
            {
                throw new InvalidOperationException($"Idempotency key row {request.Key} vanished three times while being claimed.");
            }
        }
    }

    /// <summary>Stores the answer of the request that holds the key <paramref name="id"/>, with its request hash.</summary>
    public async Task CompleteAsync(long id, string requestHash, StoredResponse response, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.idempotency_keys
            SET status = 'completed', request_hash = @requestHash, response_status = @Status,
                response_headers = @headers::jsonb, response_body = @Body
            WHERE id = @id AND status = 'in_flight'
            """,
            new { id, requestHash, response.Status, headers = JsonSerializer.Serialize(response.Headers, JsonDefaults.Web), response.Body },
            cancellationToken: ct));
    }

    /// <summary>Frees the key <paramref name="id"/> (its request failed and changed nothing): a retry runs again.</summary>
    public async Task ReleaseAsync(long id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM impact.idempotency_keys WHERE id = @id AND status = 'in_flight'", new { id }, cancellationToken: ct));
    }

    /// <summary>Deletes expired keys in batches; returns how many.</summary>
    public async Task<int> PurgeExpiredAsync(int batchSize = 5000, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var total = 0;
        int deleted;
        do
        {
            deleted = await conn.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM impact.idempotency_keys
                WHERE id IN (SELECT id FROM impact.idempotency_keys WHERE expires_at <= @now LIMIT @batchSize)
                """,
                new { now = clock.GetUtcNow().UtcDateTime, batchSize }, cancellationToken: ct));
            total += deleted;
        }
        while (deleted == batchSize && !ct.IsCancellationRequested);

        return total;
    }

    private sealed record Row(long Id, string Status, string? RequestHash, int? ResponseStatus, string? ResponseHeaders, byte[]? ResponseBody);
}
