using System.Diagnostics;
using System.Globalization;
using Dapper;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Impact.Shared.Telemetry;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Feedback.Budgets;

/// <summary>
/// The cost control of paid Q2Q calls (SPEC §I), shared by every instance through PostgreSQL: before a provider call,
/// one statement takes a slot of the company's rate-limit window (a fixed window per UTC minute) and reserves the call's
/// estimated cost in the month's ledger — a conditional upsert that succeeds only while spent + reserved + estimate stays
/// within the budget, so concurrent calls can never overspend (no check-then-increment). After the call the reservation is
/// settled to the provider's real token usage; a failed call releases it. The store failing is a refusal too (fail closed).
/// Time comes from <see cref="TimeProvider"/> and is passed into the SQL; the database clock is never used for windows.
/// </summary>
public sealed class Q2QBudgets(NpgsqlDataSource dataSource, TimeProvider clock, IOptions<Q2QCostOptions> options)
{
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(1);

    /// <summary>
    /// Takes a rate-limit slot and reserves <paramref name="estimatedUsd"/> for one call of <paramref name="modelId"/>.
    /// Either both happen (committed together) or neither.
    /// </summary>
    /// <exception cref="Q2QLimitException">429: the window is full, or the budget cannot hold the estimate.</exception>
    /// <exception cref="Q2QBudgetUnavailableException">503: the store could not be reached; nothing was reserved.</exception>
    public async Task<Q2QReservation> ReserveAsync(Guid companyId, string provider, string modelId, decimal estimatedUsd, CancellationToken ct = default)
    {
        var o = options.Value;
        var now = clock.GetUtcNow();
        var window = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        var month = MonthOf(now);
        Attempt attempt;
        try
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            // Both upserts lock their row until commit; every caller locks the window row first, then the ledger row.
            attempt = await conn.QuerySingleAsync<Attempt>(new CommandDefinition(
                """
                WITH slot AS (
                    INSERT INTO impact.q2q_rate_windows AS w (company_id, window_start, requests)
                    VALUES (@companyId, @window, 1)
                    ON CONFLICT (company_id, window_start) DO UPDATE SET requests = w.requests + 1
                    WHERE w.requests < @limit
                    RETURNING requests
                ), budget AS (
                    SELECT coalesce((SELECT monthly_usd FROM impact.q2q_budgets WHERE company_id = @companyId), @defaultBudget) AS usd
                ), spend AS (
                    INSERT INTO impact.q2q_spend AS s (company_id, month, reserved_usd)
                    SELECT @companyId, @month::date, @estimatedUsd FROM slot, budget WHERE @estimatedUsd <= budget.usd
                    ON CONFLICT (company_id, month) DO UPDATE SET reserved_usd = s.reserved_usd + EXCLUDED.reserved_usd
                    WHERE s.spent_usd + s.reserved_usd + EXCLUDED.reserved_usd <= (SELECT usd FROM budget)
                    RETURNING s.company_id
                ), reservation AS (
                    INSERT INTO impact.q2q_reservations (company_id, month, provider, model_id, estimated_usd, reserved_at)
                    SELECT @companyId, @month::date, @provider, @modelId, @estimatedUsd, @now FROM spend
                    RETURNING id
                )
                SELECT EXISTS (SELECT 1 FROM slot) AS SlotTaken, (SELECT id FROM reservation) AS ReservationId,
                       (SELECT usd FROM budget) AS BudgetUsd,
                       coalesce((SELECT spent_usd FROM impact.q2q_spend WHERE company_id = @companyId AND month = @month::date), 0) AS SpentUsd,
                       coalesce((SELECT reserved_usd FROM impact.q2q_spend WHERE company_id = @companyId AND month = @month::date), 0) AS ReservedUsd
                """,
                new
                {
                    companyId, window = window.UtcDateTime, limit = o.RequestsPerMinute, defaultBudget = o.DefaultMonthlyBudgetUsd,
                    month = month.ToDateTime(TimeOnly.MinValue), estimatedUsd, provider, modelId, now = now.UtcDateTime,
                }, tx, cancellationToken: ct));
            if (attempt.ReservationId is { } id)
            {
                await tx.CommitAsync(ct);
                return new Q2QReservation(id, companyId, month, provider, modelId, estimatedUsd);
            }

            // Refused: give the slot back (a budget refusal is not a request).
            await tx.RollbackAsync(ct);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            throw new Q2QBudgetUnavailableException(e);
        }

        if (!attempt.SlotTaken)
        {
            var wait = window + Window - now;
            throw new Q2QLimitException(Q2QLimitException.RateLimit, wait, "Too many classification requests",
                $"The company has started its {o.RequestsPerMinute} paid classification requests of this minute; the window frees in "
                + $"{Q2QLimitException.Seconds(wait)} s.");
        }

        var next = NextMonth(now);
        throw new Q2QLimitException(Q2QLimitException.Budget, next - now, "AI budget exhausted",
            string.Create(CultureInfo.InvariantCulture,
                $"This month's AI budget of {attempt.BudgetUsd:0.######} USD cannot hold another call of about {estimatedUsd:0.######} USD "
                + $"(spent {attempt.SpentUsd:0.######}, reserved by calls in flight {attempt.ReservedUsd:0.######}). It starts again on "
                + $"{next:yyyy-MM-dd} (UTC), or an operator can raise it."));
    }

    /// <summary>Settles a call that answered: charges the provider's token usage at the model's prices and frees the rest of the reservation.</summary>
    public Task SettleAsync(Q2QReservation reservation, long inputTokens, long outputTokens, decimal actualUsd) =>
        FinishAsync(reservation, "settled", called: true, actualUsd, inputTokens, outputTokens);

    /// <summary>Releases the reservation of a call that failed (<paramref name="called"/>: it was sent) or was never made; nothing is charged.</summary>
    public Task ReleaseAsync(Q2QReservation reservation, bool called) =>
        FinishAsync(reservation, "released", called, 0m, 0, 0);

    /// <summary>
    /// Closes reservations older than <see cref="Q2QCostOptions.ReservationTimeoutSeconds"/> (their process died between
    /// reserving and settling): each is charged in full, since the call may have been paid for — spend stays within the
    /// budget, as the reservation was. A late settlement corrects the charge. Also drops rate-limit windows older than an hour.
    /// Returns how many reservations were closed.
    /// </summary>
    public async Task<int> ExpireStaleAsync(CancellationToken ct = default)
    {
        var now = clock.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var expired = await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            WITH x AS (
                UPDATE impact.q2q_reservations SET status = 'expired', actual_usd = estimated_usd, finished_at = @now
                WHERE id IN (SELECT id FROM impact.q2q_reservations WHERE status = 'reserved' AND reserved_at < @cutoff
                             ORDER BY reserved_at LIMIT 1000 FOR UPDATE SKIP LOCKED)
                RETURNING company_id, month, estimated_usd
            ), per AS (
                SELECT company_id, month, sum(estimated_usd) AS usd, count(*) AS n FROM x GROUP BY company_id, month
            ), s AS (
                UPDATE impact.q2q_spend s SET spent_usd = s.spent_usd + per.usd, reserved_usd = s.reserved_usd - per.usd
                FROM per WHERE s.company_id = per.company_id AND s.month = per.month
                RETURNING per.n
            )
            SELECT coalesce(sum(n), 0)::int FROM s
            """, new { now = now.UtcDateTime, cutoff = (now - TimeSpan.FromSeconds(options.Value.ReservationTimeoutSeconds)).UtcDateTime },
            cancellationToken: ct));
        await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM impact.q2q_rate_windows WHERE window_start < @before",
            new { before = (now - TimeSpan.FromHours(1)).UtcDateTime }, cancellationToken: ct));
        return expired;
    }

    /// <summary>The company's budget and this month's spend. A company administrator sees only their own company (another is a 404).</summary>
    /// <exception cref="ProblemException">404 for an unknown company or another company's.</exception>
    public async Task<AiBudgetView> GetAsync(Guid companyId, Caller caller, CancellationToken ct = default)
    {
        if (!caller.IsOperator && caller.CompanyId != companyId)
        {
            throw NoCompany(companyId);
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await ViewAsync(conn, null, companyId, ct) ?? throw NoCompany(companyId);
    }

    /// <summary>
    /// Sets the company's monthly budget (operators), audited as <c>q2q.budget.set</c> in the same transaction. Texts of the
    /// company waiting for budget are made due, so the sweeper queues them at once.
    /// </summary>
    /// <exception cref="ProblemException">404 for an unknown company.</exception>
    public async Task<AiBudgetView> SetAsync(Guid companyId, decimal monthlyUsd, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var previous = await conn.QuerySingleOrDefaultAsync<(bool Exists, decimal? Usd)>(new CommandDefinition(
            """
            SELECT true, (SELECT monthly_usd FROM impact.q2q_budgets WHERE company_id = c.id FOR UPDATE)
            FROM impact.companies c WHERE c.id = @companyId
            """, new { companyId }, tx, cancellationToken: ct));
        if (!previous.Exists)
        {
            throw NoCompany(companyId);
        }

        var now = clock.GetUtcNow().UtcDateTime;
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO impact.q2q_budgets (company_id, monthly_usd, updated_at, updated_by) VALUES (@companyId, @monthlyUsd, @now, @principal)
            ON CONFLICT (company_id) DO UPDATE SET monthly_usd = EXCLUDED.monthly_usd, updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by;
            UPDATE impact.texts SET retry_at = @now WHERE company_id = @companyId AND status = 'deferred' AND retry_at > @now;
            """, new { companyId, monthlyUsd, now, principal = caller.Principal }, tx, cancellationToken: ct));
        await AuditLog.AppendAsync(conn, tx, caller, "q2q.budget.set", $"company:{companyId}",
            new { monthlyUsd, previousUsd = previous.Usd }, ct);
        var view = (await ViewAsync(conn, tx, companyId, ct))!;
        await tx.CommitAsync(ct);
        return view;
    }

    private async Task FinishAsync(Q2QReservation r, string status, bool called, decimal actualUsd, long inputTokens, long outputTokens)
    {
        // Never cancelled: a call that was made is accounted for even when its caller gave up.
        await using var conn = await dataSource.OpenConnectionAsync(CancellationToken.None);
        var finished = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            WITH old AS (
                SELECT id, status FROM impact.q2q_reservations WHERE id = @Id FOR UPDATE
            ), r AS (
                UPDATE impact.q2q_reservations t
                SET status = @status, called = @called, actual_usd = @actualUsd, input_tokens = @inputTokens,
                    output_tokens = @outputTokens, finished_at = @now
                FROM old WHERE t.id = old.id AND old.status IN ('reserved', 'expired')
                RETURNING t.company_id, t.month, t.estimated_usd, old.status AS was
            ), s AS (
                UPDATE impact.q2q_spend s
                SET spent_usd = s.spent_usd + @actualUsd - CASE WHEN r.was = 'expired' THEN r.estimated_usd ELSE 0 END,
                    reserved_usd = s.reserved_usd - CASE WHEN r.was = 'reserved' THEN r.estimated_usd ELSE 0 END,
                    requests = s.requests + CASE WHEN @called THEN 1 ELSE 0 END,
                    input_tokens = s.input_tokens + @inputTokens, output_tokens = s.output_tokens + @outputTokens
                FROM r WHERE s.company_id = r.company_id AND s.month = r.month
                RETURNING 1
            )
            SELECT EXISTS (SELECT 1 FROM s)
            """,
            new { r.Id, status, called, actualUsd, inputTokens, outputTokens, now = clock.GetUtcNow().UtcDateTime },
            cancellationToken: CancellationToken.None));
        if (!finished || !called)
        {
            return;
        }

        // Counted once the ledger row is committed, so the totals equal impact.q2q_spend.
        var tags = new TagList { { "provider", r.Provider }, { "model", r.ModelId }, { "company", r.CompanyId.ToString() } };
        ImpactTelemetry.Q2QRequests.Add(1, tags);
        if (inputTokens > 0)
        {
            ImpactTelemetry.Q2QTokens.Add(inputTokens, With(tags, "type", "input"));
        }

        if (outputTokens > 0)
        {
            ImpactTelemetry.Q2QTokens.Add(outputTokens, With(tags, "type", "output"));
        }

        ImpactTelemetry.Q2QCostDollars.Add((double)actualUsd, tags);
    }

    private async Task<AiBudgetView?> ViewAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid companyId, CancellationToken ct)
    {
        var now = clock.GetUtcNow();
        var month = MonthOf(now);
        var row = await conn.QuerySingleOrDefaultAsync<ViewRow>(new CommandDefinition(
            """
            SELECT b.monthly_usd AS BudgetUsd, b.updated_at AS UpdatedAt, b.updated_by AS UpdatedBy,
                   coalesce(s.spent_usd, 0) AS SpentUsd, coalesce(s.reserved_usd, 0) AS ReservedUsd, coalesce(s.requests, 0) AS Requests,
                   coalesce(s.input_tokens, 0) AS InputTokens, coalesce(s.output_tokens, 0) AS OutputTokens
            FROM impact.companies c
            LEFT JOIN impact.q2q_budgets b ON b.company_id = c.id
            LEFT JOIN impact.q2q_spend s ON s.company_id = c.id AND s.month = @month::date
            WHERE c.id = @companyId
            """, new { companyId, month = month.ToDateTime(TimeOnly.MinValue) }, tx, cancellationToken: ct));
        if (row is null)
        {
            return null;
        }

        var budget = row.BudgetUsd ?? options.Value.DefaultMonthlyBudgetUsd;
        return new AiBudgetView(companyId, month.ToString("yyyy-MM", CultureInfo.InvariantCulture), budget,
            row.BudgetUsd is null ? "default" : "company", row.SpentUsd, row.ReservedUsd, Math.Max(0, budget - row.SpentUsd - row.ReservedUsd),
            row.Requests, row.InputTokens, row.OutputTokens, options.Value.RequestsPerMinute, NextMonth(now),
            row.UpdatedAt is { } at ? new DateTimeOffset(at, TimeSpan.Zero) : null, row.UpdatedBy);
    }

    private static DateOnly MonthOf(DateTimeOffset now) => new(now.Year, now.Month, 1);

    private static DateTimeOffset NextMonth(DateTimeOffset now) => new DateTimeOffset(now.Year, now.Month, 1, 0, 0, 0, TimeSpan.Zero).AddMonths(1);

    private static TagList With(TagList tags, string key, string value)
    {
        var copy = tags;
        copy.Add(key, value);
        return copy;
    }

    private static ProblemException NoCompany(Guid id) => ProblemException.NotFound($"There is no company with id '{id}'.");

    private sealed record Attempt(bool SlotTaken, Guid? ReservationId, decimal BudgetUsd, decimal SpentUsd, decimal ReservedUsd);

    private sealed record ViewRow(decimal? BudgetUsd, DateTime? UpdatedAt, string? UpdatedBy, decimal SpentUsd, decimal ReservedUsd,
        long Requests, long InputTokens, long OutputTokens);
}
