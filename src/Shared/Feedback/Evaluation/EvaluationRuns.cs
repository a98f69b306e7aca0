using Impact.Shared.Feedback.Budgets;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Impact.Shared.Feedback.Models;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Npgsql;

namespace Impact.Shared.Feedback.Evaluation;

/// <summary>
/// <c>impact.eval_runs</c> (SPEC §I): runs a registry model over a labelled set with the classifier registered for its
/// provider (the model is passed in each request, so a model that is not in use can be measured before it is activated),
/// stores the report bytes, and reads runs back. The detector is not part of a model's report.
/// </summary>
public sealed class EvaluationRuns(NpgsqlDataSource dataSource, ModelRegistry registry, IEnumerable<IOutcomeClassifier> classifiers)
{
    private const string Columns = """
        id, model_id AS ModelId, set_name AS SetName, set_hash AS SetHash, texts, macro_f1 AS MacroF1, fairness_gap AS FairnessGap,
        fairness_level AS FairnessLevel, report_sha256 AS ReportSha256, created_at AS CreatedAt, created_by AS CreatedBy
        """;

    private readonly IReadOnlyList<IOutcomeClassifier> classifiers = [.. classifiers];

    /// <summary>Evaluates <paramref name="modelId"/> on <paramref name="set"/> and stores the run (audited as <c>q2q.model.evaluate</c>).</summary>
    /// <exception cref="ProblemException">404 for an unknown model; 409 when no classifier can run it; 400 for a paid model
    /// without <paramref name="chargeTo"/>; 429/503 when that company's rate limit or budget refuses a call (nothing stored).</exception>
    public async Task<EvalRun> RunAsync(string modelId, EvaluationSet set, Caller caller, Guid? chargeTo = null, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(set);
        var model = await registry.FindAsync(modelId, ct);
        if (chargeTo is null && (model.InputUsdPerMillion > 0 || model.OutputUsdPerMillion > 0))
        {
            // Budgets are per company (SPEC §I): a paid model's calls are charged to a company's AI budget, never to nobody.
            throw new ProblemException(HttpStatusCode.BadRequest, "A company must pay for this evaluation",
                $"Model {model.Id} is a paid model: give chargeTo, the id of the company whose AI budget pays for its provider calls.");
        }

        // The last registration of a provider wins, as in the text pipeline.
        var classifier = classifiers.LastOrDefault(c => c.Provider == model.Provider)
            ?? throw new ProblemException(HttpStatusCode.Conflict, "Model cannot be evaluated",
                $"No classifier is registered for provider {model.Provider}, so model {model.Id} cannot be run.");

        var report = await Q2QEvaluator.RunAsync(set.Name, set.Records, null, model.Provider, async (request, token) =>
        {
            ClassificationResult result;
            try
            {
                result = await classifier.ClassifyAsync(request with { Model = model, CompanyId = chargeTo }, token);
            }
            catch (Exception e) when (e is not (OperationCanceledException or Q2QLimitException or Q2QBudgetUnavailableException))
            {
                // As in the pipeline: a classifier that throws leaves the text unscored. A refused or unbudgetable paid call
                // ends the run (429/503) instead: a report with refused texts counted as misses would be wrong.
                return new ClassificationResult(null, $"classifier failed: {e.GetType().Name}", model.Id, model.Provider, model.PromptVersion);
            }

            if (result.ModelId != model.Id)
            {
                throw new ProblemException(HttpStatusCode.Conflict, "Model cannot be evaluated",
                    $"The {model.Provider} classifier of this app is model {result.ModelId}, not {model.Id}: a report under {model.Id}'s name would be wrong.");
            }

            return result;
        }, model.Id, model.PromptVersion, ct);

        var json = Q2QReportWriter.ToJson(report);
        var markdown = Q2QReportWriter.ToMarkdown(report);
        var sha = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(json)));
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var run = await conn.QuerySingleAsync<EvalRunSummary>(new CommandDefinition(
            $"""
            INSERT INTO impact.eval_runs (model_id, set_name, set_hash, texts, macro_f1, fairness_gap, fairness_level, report, report_markdown, report_sha256, created_by)
            VALUES (@modelId, @setName, @setHash, @texts, @macroF1, @gap, @level, @json, @markdown, @sha, @principal)
            RETURNING {Columns}
            """,
            new
            {
                modelId = model.Id, setName = set.Name, setHash = report.SetHash, texts = set.Records.Count(r => !r.IsDecoy),
                macroF1 = Q2QEvaluationReport.Round4(report.MacroF1), gap = report.Fairness.Gap, level = report.Fairness.Level,
                json, markdown, sha, principal = caller.Principal,
            }, tx, cancellationToken: ct));
        await AuditLog.AppendAsync(conn, tx, caller, "q2q.model.evaluate", $"model:{model.Id}", new
        {
            runId = run.Id, set = set.Name, setHash = run.SetHash, macroF1 = run.MacroF1, fairnessGap = run.FairnessGap, fairnessLevel = run.FairnessLevel,
        }, ct);
        await tx.CommitAsync(ct);
        return new EvalRun(run, Parse(json), markdown);
    }

    /// <summary>The model's runs, newest first, at most <paramref name="limit"/>.</summary>
    /// <exception cref="ProblemException">404 for an unknown model.</exception>
    public async Task<IReadOnlyList<EvalRunSummary>> ListAsync(string modelId, int limit, CancellationToken ct = default)
    {
        var model = await registry.FindAsync(modelId, ct);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return [.. await conn.QueryAsync<EvalRunSummary>(new CommandDefinition(
            $"SELECT {Columns} FROM impact.eval_runs WHERE model_id = @id ORDER BY created_at DESC, id LIMIT @limit",
            new { id = model.Id, limit }, cancellationToken: ct))];
    }

    /// <summary>One run of the model with its report.</summary>
    /// <exception cref="ProblemException">404 for an unknown model, or a run that is not this model's.</exception>
    public async Task<EvalRun> GetAsync(string modelId, Guid runId, CancellationToken ct = default)
    {
        var model = await registry.FindAsync(modelId, ct);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT {Columns} FROM impact.eval_runs WHERE id = @runId AND model_id = @modelId;
            SELECT report, report_markdown FROM impact.eval_runs WHERE id = @runId AND model_id = @modelId;
            """, new { runId, modelId = model.Id }, cancellationToken: ct));
        var run = await grid.ReadSingleOrDefaultAsync<EvalRunSummary>()
            ?? throw ProblemException.NotFound($"Model {model.Id} has no evaluation run {runId}.");
        var (json, markdown) = await grid.ReadSingleAsync<(string, string)>();
        return new EvalRun(run, Parse(json), markdown);
    }

    private static JsonElement Parse(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.Clone();
    }
}
