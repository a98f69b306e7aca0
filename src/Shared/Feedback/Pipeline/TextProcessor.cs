using System.Security.Cryptography;
using System.Text;
using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Feedback.Budgets;
using Impact.Shared.Feedback.Models;
using Impact.Shared.Feedback.Review;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Impact.Shared.Feedback.Pipeline;

/// <summary>
/// Processes one text, in the order SPEC §G/§H require, enforced here: safety screening first (flags, review
/// item); a HIGH text is held and never reaches a classifier until a reviewer releases it; then language
/// detection; then classification of the PII-masked text only, by the classifier of the registry's model in
/// use; then the five dimension scores and evidence, and <c>q2q.outcome.scored</c>. Idempotent: each step
/// commits under a lock of the text row and checks its status and revision, so a message processed twice (or
/// two at once) stores everything once. The classifier call runs outside any transaction. A paid call the company's rate
/// limit or budget refuses leaves the text <c>deferred</c> until the limit frees (never unscored for it); a budget store that
/// cannot be reached fails the attempt before any provider call, and the queue retries it.
/// </summary>
public sealed partial class TextProcessor(
    NpgsqlDataSource dataSource, ITextScreener screener, ILanguageDetector languages, IEnumerable<IOutcomeClassifier> classifiers,
    ModelRegistry registry, TimeProvider clock, ILogger<TextProcessor> logger)
{
    // A text whose budget could not be checked is tried again after this.
    private static readonly TimeSpan BudgetStoreRetry = TimeSpan.FromSeconds(30);

    private readonly IReadOnlyList<IOutcomeClassifier> classifiers = [.. classifiers];

    /// <summary>Processes a text. On failure the attempt and the error kind are recorded on the text and the exception rethrown (the queue retries).</summary>
    public async Task<TextProcessOutcome> ProcessAsync(Guid textId, CancellationToken ct = default)
    {
        try
        {
            return await ProcessOnceAsync(textId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await using var conn = await dataSource.OpenConnectionAsync(CancellationToken.None);
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.texts SET attempts = attempts + 1, last_error = left(@error, 2000), updated_at = clock_timestamp()
                WHERE id = @textId
                """, new { textId, error = Describe(e) }, cancellationToken: CancellationToken.None));
            throw;
        }
    }

    /// <summary>The queue gave up on these texts: those not finished are marked failed. Returns how many.</summary>
    public async Task<int> MarkFailedAsync(IReadOnlyList<Guid> textIds, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.texts SET status = 'failed', updated_at = clock_timestamp()
            WHERE id = ANY(@ids) AND status IN ('received', 'queued', 'screened', 'released', 'deferred')
            """, new { ids = textIds.ToArray() }, cancellationToken: ct));
    }

    private async Task<TextProcessOutcome> ProcessOnceAsync(Guid textId, CancellationToken ct)
    {
        var (stop, text) = await ScreenAsync(textId, ct);
        if (text is null)
        {
            return stop;
        }

        ClassificationResult result;
        try
        {
            result = await ClassifyAsync(text, ct);
        }
        catch (Q2QLimitException limit)
        {
            return await DeferAsync(text, limit.Limit, limit.RetryAfter, limit.Detail, ct);
        }
        catch (Q2QBudgetUnavailableException unavailable)
        {
            // No provider call without a reservation. Where the texts table is still writable the text waits for the sweeper;
            // when the whole database is gone this write fails too and the queue retries the message.
            LogBudgetUnavailable(logger, text.Id, unavailable.InnerException?.GetType().Name ?? "unknown");
            return await DeferAsync(text, "budget_store", BudgetStoreRetry, unavailable.Detail, ct);
        }

        return await StoreAsync(text, result, ct);
    }

    // Step 1, in one transaction: screening (a new or changed text) or picking up where an earlier attempt stopped.
    private async Task<(TextProcessOutcome Stop, Screened? Text)> ScreenAsync(Guid textId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<TextRow>(new CommandDefinition(
            """
            SELECT id, company_id AS CompanyId, user_id AS UserId, text, status, revision, risk, released_at AS ReleasedAt,
                   language, source, content_id AS ContentId
            FROM impact.texts WHERE id = @textId FOR UPDATE
            """, new { textId }, tx, cancellationToken: ct));
        if (row is null)
        {
            return (TextProcessOutcome.NotFound, null);
        }

        switch (row.Status)
        {
            case TextStatus.Received or TextStatus.Queued or TextStatus.Failed:
                break;
            case TextStatus.Screened or TextStatus.Deferred:
                // An earlier attempt screened it and stopped before storing scores (or a limit deferred it): screen again
                // (pure, nothing written) for the masked text, and carry on.
                return (TextProcessOutcome.Classified, Screened.From(row, screener.Screen(row.Text, Known(row.Language)), row.Language ?? LanguageGuess.Unknown));
            case TextStatus.Released when row.ReleasedAt is not null:
                // A reviewer released a held text: its flags stay; it gets its language and is classified once.
                var guess = languages.Detect(row.Text);
                return (TextProcessOutcome.Classified, Screened.From(row, screener.Screen(row.Text, Known(guess.Language)), guess.Language, guess.Confidence));
            default:
                return (TextProcessOutcome.AlreadyDone, null);
        }

        // A new revision replaces whatever an older one left.
        await conn.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM impact.safety_flags WHERE text_id = @textId;
            DELETE FROM impact.outcome_scores WHERE text_id = @textId;
            """, new { textId }, tx, cancellationToken: ct));
        var screening = screener.Screen(row.Text);
        var correlationId = $"text:{textId}";
        await SafetyFlags.StoreAsync(conn, tx, textId, row.CompanyId, screening, correlationId, ct);
        var risk = SafetyFlags.RiskName(screening.Risk);
        if (screening.Risk == RiskLevel.High)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.texts SET status = 'held', risk = @risk, screened_at = clock_timestamp(), attempts = attempts + 1,
                                        last_error = NULL, updated_at = clock_timestamp()
                WHERE id = @textId
                """, new { textId, risk }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return (TextProcessOutcome.Held, null);
        }

        var language = languages.Detect(row.Text);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.texts SET status = 'screened', risk = @risk, language = @Language, language_confidence = @Confidence,
                                    screened_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE id = @textId
            """, new { textId, risk, language.Language, language.Confidence }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return (TextProcessOutcome.Classified, Screened.From(row with { Risk = risk }, screening, language.Language, language.Confidence));
    }

    // Step 2, outside any transaction (an LLM call takes seconds).
    private async Task<ClassificationResult> ClassifyAsync(Screened text, CancellationToken ct)
    {
        // The rule of §G, in code: a HIGH text reaches a classifier only after a reviewer released it.
        if (text.Risk == "high" && text.ReleasedAt is null)
        {
            throw new InvalidOperationException($"Text {text.Id} is held for review and must not be classified.");
        }

        var model = await registry.CurrentAsync(ct);
        if (model is null)
        {
            return new ClassificationResult(null, "no active model has taken effect", "none", "none", "none");
        }

        // The last registration of a provider wins, as everywhere in DI.
        var classifier = classifiers.LastOrDefault(c => c.Provider == model.Provider);
        if (classifier is null)
        {
            return new ClassificationResult(null, $"no classifier is registered for provider {model.Provider}", model.Id, model.Provider, model.PromptVersion);
        }

        try
        {
            return await classifier.ClassifyAsync(new ClassificationRequest(text.MaskedText, text.Language, text.CompanyId), ct);
        }
        catch (Exception e) when (e is not (OperationCanceledException or Q2QLimitException or Q2QBudgetUnavailableException))
        {
            // A classifier that throws leaves the text unscored, never with invented scores. A refused or unbudgetable paid
            // call is no classifier failure: it is deferred, or retried by the queue.
            LogClassifierFailed(logger, model.Provider, e.GetType().Name);
            return new ClassificationResult(null, $"classifier failed: {e.GetType().Name}", model.Id, model.Provider, model.PromptVersion);
        }
    }

    // Step 3, in one transaction, only if nothing else finished this revision meanwhile.
    private async Task<TextProcessOutcome> StoreAsync(Screened text, ClassificationResult result, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await conn.QuerySingleOrDefaultAsync<(string Status, int Revision)>(new CommandDefinition(
            "SELECT status, revision FROM impact.texts WHERE id = @Id FOR UPDATE", new { text.Id }, tx, cancellationToken: ct));
        if (current.Status is null)
        {
            return TextProcessOutcome.NotFound;
        }

        if (current.Revision != text.Revision || current.Status is not (TextStatus.Screened or TextStatus.Released or TextStatus.Deferred))
        {
            return TextProcessOutcome.AlreadyDone;
        }

        if (result.Labels is not { } labels)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.texts SET status = 'unscored', unscored_reason = left(@reason, 500), model_id = @ModelId,
                                        language = @Language, language_confidence = coalesce(@LanguageConfidence, language_confidence),
                                        attempts = attempts + 1, last_error = NULL, processed_at = clock_timestamp(), updated_at = clock_timestamp()
                WHERE id = @Id
                """, new { text.Id, reason = result.UnscoredReason ?? "unscored", result.ModelId, text.Language, text.LanguageConfidence }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
            return TextProcessOutcome.Unscored;
        }

        var method = ModelProviders.MethodOf(result.Provider);
        var scores = new Dictionary<string, double>();
        var scoreIds = new Dictionary<string, Guid>();
        foreach (var (dimension, score) in OutcomeDimensions.From(labels))
        {
            var id = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
                """
                INSERT INTO impact.outcome_scores (text_id, user_id, company_id, dimension, score, model_id, provider, prompt_version, language, method)
                VALUES (@textId, @UserId, @CompanyId, @dimension, @score, @ModelId, @Provider, @PromptVersion, @Language, @method)
                ON CONFLICT (text_id, dimension, model_id) DO NOTHING
                RETURNING id
                """,
                new { textId = text.Id, text.UserId, text.CompanyId, dimension, score, result.ModelId, result.Provider, result.PromptVersion, text.Language, method },
                tx, cancellationToken: ct));
            if (id is { } scoreId)
            {
                scores[dimension] = score;
                scoreIds[dimension] = scoreId;
            }
        }

        var evidence = 0;
        foreach (var item in labels.Evidence)
        {
            if (DimensionOf(item.Label, labels) is not { } dimension || !scoreIds.TryGetValue(dimension, out var scoreId))
            {
                continue;
            }

            // The classifier saw masked text only; masking the snippet again costs nothing and guards against a
            // provider that invents personal data.
            var snippet = screener.Screen(item.Snippet, Known(text.Language)).MaskedText;
            evidence += await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO impact.evidence_snippets (score_id, snippet, snippet_hash, label, position, source)
                VALUES (@scoreId, @snippet, @hash, @Label, @position, @source)
                ON CONFLICT (snippet_hash) DO NOTHING
                """,
                new { scoreId, snippet, hash = Hash(scoreId, snippet), item.Label, position = Math.Max(0, item.Start), source = method },
                tx, cancellationToken: ct));
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.texts SET status = 'classified', model_id = @ModelId, language = @Language,
                                    language_confidence = coalesce(@LanguageConfidence, language_confidence),
                                    unscored_reason = NULL, attempts = attempts + 1, last_error = NULL,
                                    processed_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE id = @Id
            """, new { text.Id, result.ModelId, text.Language, text.LanguageConfidence }, tx, cancellationToken: ct));
        if (scores.Count > 0)
        {
            await EventLog.AppendAsync(conn, tx, EventTypes.Q2QOutcomeScored, text.CompanyId, new
            {
                textId = text.Id, source = text.Source, language = text.Language, modelId = result.ModelId, provider = result.Provider,
                promptVersion = result.PromptVersion, method, scores, evidence,
            }, $"text:{text.Id}", ct);
        }

        await tx.CommitAsync(ct);
        return TextProcessOutcome.Classified;
    }

    // A limit refused the paid call: the text waits, with the language it was given, until the limit frees.
    private async Task<TextProcessOutcome> DeferAsync(Screened text, string limit, TimeSpan retryAfter, string detail, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var deferred = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.texts SET status = 'deferred', retry_at = @retryAt, unscored_reason = left(@reason, 500), language = @Language,
                                    language_confidence = coalesce(@LanguageConfidence, language_confidence), last_error = NULL,
                                    updated_at = clock_timestamp()
            WHERE id = @Id AND revision = @Revision AND status IN ('screened', 'released', 'deferred')
            """,
            new
            {
                text.Id, text.Revision, retryAt = (clock.GetUtcNow() + retryAfter).UtcDateTime, reason = $"{limit}: {detail}",
                text.Language, text.LanguageConfidence,
            }, cancellationToken: ct));
        if (deferred > 0)
        {
            LogDeferred(logger, text.Id, limit, Q2QLimitException.Seconds(retryAfter));
        }

        return deferred > 0 ? TextProcessOutcome.Deferred : TextProcessOutcome.AlreadyDone;
    }

    // Which dimension a label's evidence supports; topics support none of the five.
    private static string? DimensionOf(string label, Q2QLabels labels) => label switch
    {
        "confidence_increase" or "confidence_decrease" => OutcomeDimensions.Confidence,
        "belonging_increase" or "belonging_decrease" => OutcomeDimensions.Belonging,
        "language_comfort" or "low" or "medium" or "high" => OutcomeDimensions.LangLevelProxy,
        _ when labels.EmployabilitySignals.Contains(label) => OutcomeDimensions.JobReadiness,
        _ when labels.RiskCues.Contains(label) => OutcomeDimensions.WellBeing,
        _ => null,
    };

    private static string Hash(Guid scoreId, string snippet) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{scoreId:N}\n{snippet}")));

    private static string? Known(string? language) => language is LanguageGuess.English or LanguageGuess.Ukrainian or LanguageGuess.Norwegian ? language : null;

    // Stored for operators: the kind of failure, never the text (a PostgresException's message names constraints only).
    private static string Describe(Exception e) => e is PostgresException pg ? $"{pg.SqlState}: {pg.MessageText}" : e.GetType().Name;

    [LoggerMessage(Level = LogLevel.Warning, Message = "Text {TextId}: the AI budget store is unavailable ({ErrorKind}); no provider call, the text is deferred")]
    private static partial void LogBudgetUnavailable(ILogger logger, Guid textId, string errorKind);

    [LoggerMessage(Level = LogLevel.Information, Message = "Text {TextId} deferred by the {Limit} for {Seconds} s")]
    private static partial void LogDeferred(ILogger logger, Guid textId, string limit, long seconds);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Classifier of provider {Provider} failed ({ErrorKind}); the text is stored as unscored")]
    private static partial void LogClassifierFailed(ILogger logger, string provider, string errorKind);

    private sealed record TextRow(Guid Id, Guid? CompanyId, Guid? UserId, string Text, string Status, int Revision, string? Risk,
        DateTime? ReleasedAt, string? Language, string Source, string ContentId);

    // What classification needs.
    private sealed record Screened(Guid Id, Guid? CompanyId, Guid? UserId, int Revision, string? Risk, DateTime? ReleasedAt,
        string Source, string MaskedText, string Language, double? LanguageConfidence)
    {
        public static Screened From(TextRow row, ScreeningResult screening, string language, double? confidence = null) =>
            new(row.Id, row.CompanyId, row.UserId, row.Revision, row.Risk, row.ReleasedAt, row.Source, screening.MaskedText, language, confidence);
    }
}
