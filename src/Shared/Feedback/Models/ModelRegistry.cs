using System.Globalization;
using System.Net;
using System.Text.Json;
using Dapper;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Npgsql;

namespace Impact.Shared.Feedback.Models;

/// <summary>
/// <c>impact.model_registry</c>: synced from models.yaml, one active model per provider (a partial unique
/// index decides races), activation by an operator (audited). The model in use is the active model whose
/// <c>effective_from</c> has passed and which took effect last (the later of its <c>effective_from</c> and its
/// activation), so a model activated ahead of its date is used from that date on, never before.
/// </summary>
public sealed class ModelRegistry(NpgsqlDataSource dataSource, TimeProvider clock)
{
    private const string Columns = """
        id, provider, model, prompt_version AS PromptVersion, thresholds::text AS Thresholds, effective_from AS EffectiveFrom,
        active, activated_at AS ActivatedAt, activated_by AS ActivatedBy,
        input_usd_per_1m AS InputUsdPerMillion, output_usd_per_1m AS OutputUsdPerMillion
        """;

    private volatile bool synced;

    /// <summary>
    /// Upserts every entry by id (model, prompt version, thresholds, effective_from follow the file; the provider of
    /// an existing id does not change). The file's <c>active: true</c> applies to a new entry only, and only when its
    /// provider has no active model yet: after that, activations through the API decide. Idempotent: a second run with
    /// the same file changes nothing. Returns how many rows were inserted or changed.
    /// </summary>
    public async Task<int> SyncAsync(IReadOnlyList<ModelDefinition> models, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Instances starting together sync one after another.
        await conn.ExecuteAsync(new CommandDefinition("SELECT pg_advisory_xact_lock(hashtext('impact.model_registry.sync'))", transaction: tx, cancellationToken: ct));
        var changed = 0;
        foreach (var m in models)
        {
            changed += await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO impact.model_registry AS r (id, provider, model, prompt_version, thresholds, effective_from, active, activated_at, activated_by,
                                                       input_usd_per_1m, output_usd_per_1m)
                SELECT @Id, @Provider, @Model, @PromptVersion, @thresholds::jsonb, @EffectiveFrom, a.active,
                       CASE WHEN a.active THEN now() END, CASE WHEN a.active THEN 'models.yaml' END,
                       @InputUsdPerMillion, @OutputUsdPerMillion
                FROM (SELECT @Active AND NOT EXISTS (SELECT 1 FROM impact.model_registry WHERE provider = @Provider AND active) AS active) a
                ON CONFLICT (id) DO UPDATE SET
                    model = EXCLUDED.model, prompt_version = EXCLUDED.prompt_version, thresholds = EXCLUDED.thresholds,
                    effective_from = EXCLUDED.effective_from, input_usd_per_1m = EXCLUDED.input_usd_per_1m,
                    output_usd_per_1m = EXCLUDED.output_usd_per_1m, synced_at = now()
                WHERE (r.model, r.prompt_version, r.thresholds, r.effective_from, r.input_usd_per_1m, r.output_usd_per_1m)
                      IS DISTINCT FROM (EXCLUDED.model, EXCLUDED.prompt_version, EXCLUDED.thresholds, EXCLUDED.effective_from,
                                        EXCLUDED.input_usd_per_1m, EXCLUDED.output_usd_per_1m)
                """,
                new
                {
                    m.Id, m.Provider, m.Model, m.PromptVersion, thresholds = JsonSerializer.Serialize(m.Thresholds), EffectiveFrom = m.EffectiveFrom.UtcDateTime,
                    m.Active, m.InputUsdPerMillion, m.OutputUsdPerMillion,
                },
                tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
        return changed;
    }

    /// <summary>Syncs the built-in models.yaml once per process (start-up, or the first use after a failed start-up sync).</summary>
    public async Task EnsureSyncedAsync(CancellationToken ct = default)
    {
        if (synced)
        {
            return;
        }

        await SyncAsync(ModelsFile.Parse(ModelsFile.EmbeddedText()), ct);
        synced = true;
    }

    /// <summary>Every model, with the one in use marked.</summary>
    public async Task<IReadOnlyList<ModelEntry>> ListAsync(CancellationToken ct = default)
    {
        await EnsureSyncedAsync(ct);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM impact.model_registry ORDER BY provider, effective_from DESC, id", cancellationToken: ct))).ToList();
        var inUse = await CurrentIdAsync(conn, null, ct);
        return rows.Select(r => r.ToEntry(r.Id == inUse)).ToList();
    }

    /// <summary>The model new texts are classified with now, or null when no active model has taken effect.</summary>
    public async Task<ModelEntry?> CurrentAsync(CancellationToken ct = default)
    {
        await EnsureSyncedAsync(ct);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var id = await CurrentIdAsync(conn, null, ct);
        return id is null ? null : (await conn.QuerySingleAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM impact.model_registry WHERE id = @id", new { id }, cancellationToken: ct))).ToEntry(true);
    }

    /// <summary>One model of the registry.</summary>
    /// <exception cref="ProblemException">404 for an unknown id.</exception>
    public async Task<ModelEntry> FindAsync(string id, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(id);
        await EnsureSyncedAsync(ct);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM impact.model_registry WHERE id = @id", new { id }, cancellationToken: ct)) ?? throw Unknown(id);
        return row.ToEntry(row.Id == await CurrentIdAsync(conn, null, ct));
    }

    /// <summary>Activates <paramref name="id"/> without an override (see the overload with a reason).</summary>
    /// <exception cref="ProblemException">404 for an unknown id; 409 for a model that scored below the model in use.</exception>
    public Task<ModelEntry> ActivateAsync(string id, Caller caller, CancellationToken ct = default) => ActivateAsync(id, caller, null, ct);

    /// <summary>
    /// Makes <paramref name="id"/> its provider's active model (the previous one of that provider is deactivated), audited as
    /// <c>q2q.model.activate</c> in the same transaction. Activating the active model changes nothing and writes no audit row.
    /// A model whose latest evaluation scored a lower macro-F1 than the model in use on the same set (same set hash, see
    /// <c>impact.eval_runs</c>) is activated only with an <paramref name="overrideReason"/>, which the audit row keeps with both figures.
    /// </summary>
    /// <exception cref="ProblemException">404 for an unknown id; 409 for a worse model without an override reason.</exception>
    public async Task<ModelEntry> ActivateAsync(string id, Caller caller, string? overrideReason, CancellationToken ct = default)
    {
        await EnsureSyncedAsync(ct);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            $"SELECT {Columns} FROM impact.model_registry WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct))
            ?? throw Unknown(id);
        if (!row.Active)
        {
            var comparison = await CompareWithModelInUseAsync(conn, tx, id, ct);
            if (comparison is { Worse: true } && overrideReason is null)
            {
                throw new ProblemException(HttpStatusCode.Conflict, "Activation needs an override",
                    $"Model {id} scored macro-F1 {F(comparison.CandidateMacroF1)} on set '{comparison.SetName}' (evaluation {comparison.CandidateRun}), " +
                    $"below {F(comparison.InUseMacroF1)} of {comparison.InUseModel}, the model in use, on the same set (evaluation {comparison.InUseRun}). " +
                    "Send {\"override\": true, \"reason\": \"…\"} to activate it anyway; the reason is audited.");
            }

            // Lock the provider's rows so two activations of one provider queue up instead of tripping the unique index.
            var previous = await conn.QueryAsync<string>(new CommandDefinition(
                "SELECT id FROM impact.model_registry WHERE provider = @Provider AND active FOR UPDATE", new { row.Provider }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE impact.model_registry SET active = false WHERE provider = @Provider AND active", new { row.Provider }, tx, cancellationToken: ct));
            row = await conn.QuerySingleAsync<Row>(new CommandDefinition(
                $"""
                UPDATE impact.model_registry SET active = true, activated_at = now(), activated_by = @principal
                WHERE id = @id
                RETURNING {Columns}
                """, new { id, principal = caller.Principal }, tx, cancellationToken: ct));
            await AuditLog.AppendAsync(conn, tx, caller, "q2q.model.activate", $"model:{id}", new
            {
                provider = row.Provider, model = row.Model, promptVersion = row.PromptVersion, effectiveFrom = row.EffectiveFrom,
                deactivated = previous.ToArray(),
                evaluation = comparison,
                @override = overrideReason is null ? null : new { reason = overrideReason },
            }, ct);
        }

        var inUse = await CurrentIdAsync(conn, tx, ct);
        await tx.CommitAsync(ct);
        return row.ToEntry(row.Id == inUse);
    }

    /// <summary>
    /// The candidate's latest evaluation against the latest evaluation of the model in use on the same set, or null when either
    /// is missing (the model in use is the candidate, is not evaluated, or was never evaluated on the candidate's latest set).
    /// </summary>
    private async Task<EvaluationComparison?> CompareWithModelInUseAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string id, CancellationToken ct)
    {
        var inUse = await CurrentIdAsync(conn, tx, ct);
        if (inUse is null || inUse == id)
        {
            return null;
        }

        var pair = await conn.QuerySingleOrDefaultAsync<ComparisonRow>(new CommandDefinition(
            """
            WITH candidate AS (
                SELECT id, set_name, set_hash, macro_f1 FROM impact.eval_runs WHERE model_id = @id ORDER BY created_at DESC, id LIMIT 1
            )
            SELECT c.id AS CandidateRun, c.set_name AS SetName, c.set_hash AS SetHash, c.macro_f1 AS CandidateMacroF1,
                   u.id AS InUseRun, u.macro_f1 AS InUseMacroF1
            FROM candidate c
            CROSS JOIN LATERAL (
                SELECT id, macro_f1 FROM impact.eval_runs WHERE model_id = @inUse AND set_hash = c.set_hash ORDER BY created_at DESC, id LIMIT 1
            ) u
            """, new { id, inUse }, tx, cancellationToken: ct));
        return pair is null ? null : new EvaluationComparison(pair.SetName, pair.SetHash, pair.CandidateRun, pair.CandidateMacroF1,
            inUse, pair.InUseRun, pair.InUseMacroF1, pair.CandidateMacroF1 < pair.InUseMacroF1);
    }

    private static string F(double v) => v.ToString("0.0000", CultureInfo.InvariantCulture);

    private static ProblemException Unknown(string id) =>
        ProblemException.NotFound($"There is no model with id '{(id.Length <= 100 ? id : id[..100] + "…")}' in the registry.");

    private Task<string?> CurrentIdAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, CancellationToken ct) =>
        conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            """
            SELECT id FROM impact.model_registry
            WHERE active AND effective_from <= @now
            ORDER BY greatest(effective_from, coalesce(activated_at, effective_from)) DESC, id
            LIMIT 1
            """, new { now = clock.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));

    private sealed record ComparisonRow(Guid CandidateRun, string SetName, string SetHash, double CandidateMacroF1, Guid InUseRun, double InUseMacroF1);

    // Written into the activation's audit row: the two figures the decision rested on.
    private sealed record EvaluationComparison(string SetName, string SetHash, Guid CandidateRun, double CandidateMacroF1,
        string InUseModel, Guid InUseRun, double InUseMacroF1, bool Worse);

    private sealed record Row(string Id, string Provider, string Model, string PromptVersion, string Thresholds,
        DateTime EffectiveFrom, bool Active, DateTime? ActivatedAt, string? ActivatedBy, decimal InputUsdPerMillion, decimal OutputUsdPerMillion)
    {
        public ModelEntry ToEntry(bool inUse) => new(Id, Provider, Model, PromptVersion, Thresholds,
            new DateTimeOffset(EffectiveFrom, TimeSpan.Zero), Active,
            ActivatedAt is { } a ? new DateTimeOffset(a, TimeSpan.Zero) : null, ActivatedBy, inUse, InputUsdPerMillion, OutputUsdPerMillion);
    }
}
