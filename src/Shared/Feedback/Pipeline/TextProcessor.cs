using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Text;
using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Feedback.Models;
using Impact.Shared.Feedback.Review;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Impact.Shared.Feedback.Pipeline;

/// <summary>
/// Processes texts, one or a queue message's batch at a time, in the order SPEC §G/§H require, enforced here: safety
/// screening first (flags, review item); a HIGH text is held and never reaches a classifier until a reviewer releases it;
/// then language detection; then classification of the PII-masked text only, by the classifier of the registry's model in
/// use; then the five dimension scores and evidence, and <c>q2q.outcome.scored</c>. A batch costs three transactions and a
/// fixed number of statements whatever its size (every insert and update is one set-based statement over arrays).
/// Idempotent: each step commits under a lock of the text rows and checks their status and revision, so a message
/// processed twice (or two at once) stores everything once. Classifier calls run outside any transaction.
/// </summary>
public sealed partial class TextProcessor(
    NpgsqlDataSource dataSource, ITextScreener screener, ILanguageDetector languages, IEnumerable<IOutcomeClassifier> classifiers,
    ModelRegistry registry, ILogger<TextProcessor> logger)
{
    private readonly IReadOnlyList<IOutcomeClassifier> classifiers = [.. classifiers];

    /// <summary>Processes a text. On failure the attempt and the error kind are recorded on the text and the exception rethrown (the queue retries).</summary>
    public async Task<TextProcessOutcome> ProcessAsync(Guid textId, CancellationToken ct = default)
    {
        try
        {
            return (await ProcessOnceAsync([textId], ct))[textId];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await RecordFailureAsync(textId, e);
            throw;
        }
    }

    /// <summary>
    /// Processes a batch of texts (a queue message's ids) with one round trip per step for all of them. When the batch
    /// fails as a whole (one text that breaks a statement, a deadlock), its texts are processed one by one so that one bad
    /// text does not hold back the others; each failure is recorded on its text and the first is rethrown (the queue
    /// retries the message, and the texts already done are skipped).
    /// </summary>
    public async Task<IReadOnlyDictionary<Guid, TextProcessOutcome>> ProcessManyAsync(IReadOnlyList<Guid> textIds, CancellationToken ct = default)
    {
        var ids = textIds.Distinct().ToArray();
        if (ids.Length <= 1)
        {
            return ids.Length == 0 ? new Dictionary<Guid, TextProcessOutcome>() : new Dictionary<Guid, TextProcessOutcome> { [ids[0]] = await ProcessAsync(ids[0], ct) };
        }

        try
        {
            return await ProcessOnceAsync(ids, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogBatchFailed(logger, ids.Length, e.GetType().Name);
            var outcomes = new Dictionary<Guid, TextProcessOutcome>();
            ExceptionDispatchInfo? first = null;
            foreach (var id in ids)
            {
                try
                {
                    outcomes[id] = await ProcessAsync(id, ct);
                }
                catch (Exception one) when (one is not OperationCanceledException)
                {
                    first ??= ExceptionDispatchInfo.Capture(one);
                }
            }

            first?.Throw();
            return outcomes;
        }
    }

    /// <summary>The queue gave up on these texts: those not finished are marked failed. Returns how many.</summary>
    public async Task<int> MarkFailedAsync(IReadOnlyList<Guid> textIds, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.texts SET status = 'failed', updated_at = clock_timestamp()
            WHERE id = ANY(@ids) AND status IN ('received', 'queued', 'screened', 'released')
            """, new { ids = textIds.ToArray() }, cancellationToken: ct));
    }

    private async Task RecordFailureAsync(Guid textId, Exception e)
    {
        await using var conn = await dataSource.OpenConnectionAsync(CancellationToken.None);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.texts SET attempts = attempts + 1, last_error = left(@error, 2000), updated_at = clock_timestamp()
            WHERE id = @textId
            """, new { textId, error = Describe(e) }, cancellationToken: CancellationToken.None));
    }

    private async Task<Dictionary<Guid, TextProcessOutcome>> ProcessOnceAsync(Guid[] ids, CancellationToken ct)
    {
        var outcomes = new Dictionary<Guid, TextProcessOutcome>();
        var toClassify = await ScreenAsync(ids, outcomes, ct);
        if (toClassify.Count == 0)
        {
            return outcomes;
        }

        var results = await ClassifyAsync(toClassify, ct);
        await StoreAsync(toClassify, results, outcomes, ct);
        return outcomes;
    }

    // Step 1, in one transaction: screening (new or changed texts) or picking up where an earlier attempt stopped.
    private async Task<List<Screened>> ScreenAsync(Guid[] ids, Dictionary<Guid, TextProcessOutcome> outcomes, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Locked in id order, so two batches that share texts queue up instead of deadlocking.
        var rows = (await conn.QueryAsync<TextRow>(new CommandDefinition(
            """
            SELECT id, company_id AS CompanyId, user_id AS UserId, text, status, revision, risk, released_at AS ReleasedAt,
                   language, source, content_id AS ContentId
            FROM impact.texts WHERE id = ANY(@ids) ORDER BY id FOR UPDATE
            """, new { ids }, tx, cancellationToken: ct))).ToDictionary(r => r.Id);
        var next = new List<Screened>();
        var fresh = new List<TextRow>();
        foreach (var id in ids)
        {
            if (!rows.TryGetValue(id, out var row))
            {
                outcomes[id] = TextProcessOutcome.NotFound;
                continue;
            }

            switch (row.Status)
            {
                case TextStatus.Received or TextStatus.Queued or TextStatus.Failed:
                    fresh.Add(row);
                    break;
                case TextStatus.Screened:
                    // An earlier attempt screened it and stopped before storing scores: screen again (pure, nothing
                    // written) for the masked text, and carry on.
                    next.Add(Screened.From(row, screener.Screen(row.Text, Known(row.Language)), row.Language ?? LanguageGuess.Unknown));
                    break;
                case TextStatus.Released when row.ReleasedAt is not null:
                    // A reviewer released a held text: its flags stay; it gets its language and is classified once.
                    var guess = languages.Detect(row.Text);
                    next.Add(Screened.From(row, screener.Screen(row.Text, Known(guess.Language)), guess.Language, guess.Confidence));
                    break;
                default:
                    outcomes[id] = TextProcessOutcome.AlreadyDone;
                    break;
            }
        }

        if (fresh.Count == 0)
        {
            await tx.CommitAsync(ct);
            return next;
        }

        // A new revision replaces whatever an older one left.
        var freshIds = fresh.Select(r => r.Id).ToArray();
        await conn.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM impact.safety_flags WHERE text_id = ANY(@freshIds);
            DELETE FROM impact.outcome_scores WHERE text_id = ANY(@freshIds);
            """, new { freshIds }, tx, cancellationToken: ct));
        var screenings = fresh.Select(r => (r.Id, r.CompanyId, Screening: screener.Screen(r.Text))).ToList();
        await SafetyFlags.StoreManyAsync(conn, tx, screenings, ct);

        var updates = new List<(Guid Id, string Status, string Risk, LanguageGuess? Language)>(fresh.Count);
        foreach (var (row, (_, _, screening)) in fresh.Zip(screenings))
        {
            var risk = SafetyFlags.RiskName(screening.Risk);
            if (screening.Risk == RiskLevel.High)
            {
                updates.Add((row.Id, TextStatus.Held, risk, null));
                outcomes[row.Id] = TextProcessOutcome.Held;
                continue;
            }

            var language = languages.Detect(row.Text);
            updates.Add((row.Id, TextStatus.Screened, risk, language));
            next.Add(Screened.From(row with { Risk = risk }, screening, language.Language, language.Confidence));
        }

        // Held: attempt counted, no language (a reviewer may release it). Screened: language stored, attempt counted at the end.
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.texts AS t
            SET status = u.status, risk = u.risk, screened_at = clock_timestamp(), updated_at = clock_timestamp(),
                language = CASE WHEN u.status = 'held' THEN t.language ELSE u.language END,
                language_confidence = CASE WHEN u.status = 'held' THEN t.language_confidence ELSE u.confidence END,
                attempts = t.attempts + CASE WHEN u.status = 'held' THEN 1 ELSE 0 END,
                last_error = CASE WHEN u.status = 'held' THEN NULL ELSE t.last_error END
            FROM unnest(@ids, @statuses, @risks, @languages, @confidences) AS u(id, status, risk, language, confidence)
            WHERE t.id = u.id
            """,
            new
            {
                ids = updates.Select(u => u.Id).ToArray(),
                statuses = updates.Select(u => u.Status).ToArray(),
                risks = updates.Select(u => u.Risk).ToArray(),
                languages = updates.Select(u => u.Language?.Language).ToArray(),
                confidences = updates.Select(u => u.Language?.Confidence).ToArray(),
            }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return next;
    }

    // Step 2, outside any transaction (an LLM call takes seconds): the texts in turn.
    private async Task<List<ClassificationResult>> ClassifyAsync(List<Screened> texts, CancellationToken ct)
    {
        // The rule of §G, in code: a HIGH text reaches a classifier only after a reviewer released it.
        if (texts.FirstOrDefault(t => t.Risk == "high" && t.ReleasedAt is null) is { } held)
        {
            throw new InvalidOperationException($"Text {held.Id} is held for review and must not be classified.");
        }

        var model = await registry.CurrentAsync(ct);
        if (model is null)
        {
            return [.. texts.Select(_ => new ClassificationResult(null, "no active model has taken effect", "none", "none", "none"))];
        }

        // The last registration of a provider wins, as everywhere in DI.
        var classifier = classifiers.LastOrDefault(c => c.Provider == model.Provider);
        if (classifier is null)
        {
            return [.. texts.Select(_ => new ClassificationResult(null, $"no classifier is registered for provider {model.Provider}", model.Id, model.Provider, model.PromptVersion))];
        }

        var results = new List<ClassificationResult>(texts.Count);
        foreach (var text in texts)
        {
            try
            {
                results.Add(await classifier.ClassifyAsync(new ClassificationRequest(text.MaskedText, text.Language, text.CompanyId), ct));
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                // A classifier that throws leaves the text unscored, never with invented scores.
                LogClassifierFailed(logger, model.Provider, e.GetType().Name);
                results.Add(new ClassificationResult(null, $"classifier failed: {e.GetType().Name}", model.Id, model.Provider, model.PromptVersion));
            }
        }

        return results;
    }

    // Step 3, in one transaction, for the texts nothing else finished meanwhile: scores, evidence, status, events.
    private async Task StoreAsync(List<Screened> texts, List<ClassificationResult> results, Dictionary<Guid, TextProcessOutcome> outcomes, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = (await conn.QueryAsync<(Guid Id, string Status, int Revision)>(new CommandDefinition(
            "SELECT id, status, revision FROM impact.texts WHERE id = ANY(@ids) ORDER BY id FOR UPDATE",
            new { ids = texts.Select(t => t.Id).ToArray() }, tx, cancellationToken: ct))).ToDictionary(r => r.Id);

        var unscored = new List<(Screened Text, ClassificationResult Result)>();
        var scored = new List<(Screened Text, ClassificationResult Result, Q2QLabels Labels)>();
        foreach (var (text, result) in texts.Zip(results))
        {
            if (!current.TryGetValue(text.Id, out var now))
            {
                outcomes[text.Id] = TextProcessOutcome.NotFound;
            }
            else if (now.Revision != text.Revision || now.Status is not (TextStatus.Screened or TextStatus.Released))
            {
                outcomes[text.Id] = TextProcessOutcome.AlreadyDone;
            }
            else if (result.Labels is { } labels)
            {
                scored.Add((text, result, labels));
                outcomes[text.Id] = TextProcessOutcome.Classified;
            }
            else
            {
                unscored.Add((text, result));
                outcomes[text.Id] = TextProcessOutcome.Unscored;
            }
        }

        if (unscored.Count > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.texts AS t
                SET status = 'unscored', unscored_reason = left(u.reason, 500), model_id = u.model_id, language = u.language,
                    language_confidence = coalesce(u.confidence, t.language_confidence), attempts = t.attempts + 1, last_error = NULL,
                    processed_at = clock_timestamp(), updated_at = clock_timestamp()
                FROM unnest(@ids, @reasons, @models, @languages, @confidences) AS u(id, reason, model_id, language, confidence)
                WHERE t.id = u.id
                """,
                new
                {
                    ids = unscored.Select(x => x.Text.Id).ToArray(),
                    reasons = unscored.Select(x => x.Result.UnscoredReason ?? "unscored").ToArray(),
                    models = unscored.Select(x => x.Result.ModelId).ToArray(),
                    languages = unscored.Select(x => x.Text.Language).ToArray(),
                    confidences = unscored.Select(x => x.Text.LanguageConfidence).ToArray(),
                }, tx, cancellationToken: ct));
        }

        if (scored.Count > 0)
        {
            await StoreScoresAsync(conn, tx, scored, ct);
        }

        await tx.CommitAsync(ct);
    }

    private async Task StoreScoresAsync(NpgsqlConnection conn, NpgsqlTransaction tx, List<(Screened Text, ClassificationResult Result, Q2QLabels Labels)> scored, CancellationToken ct)
    {
        var rows = scored.SelectMany(x => OutcomeDimensions.From(x.Labels).Select(d => (x.Text, x.Result, Dimension: d.Key, Score: d.Value))).ToList();
        var inserted = (await conn.QueryAsync<(Guid Id, Guid TextId, string Dimension, double Score)>(new CommandDefinition(
            """
            INSERT INTO impact.outcome_scores (text_id, user_id, company_id, dimension, score, model_id, provider, prompt_version, language, method)
            SELECT * FROM unnest(@textIds, @userIds, @companyIds, @dimensions, @scores, @models, @providers, @prompts, @languages, @methods)
            ON CONFLICT (text_id, dimension, model_id) DO NOTHING
            RETURNING id, text_id, dimension, score
            """,
            new
            {
                textIds = rows.Select(r => r.Text.Id).ToArray(),
                userIds = rows.Select(r => r.Text.UserId).ToArray(),
                companyIds = rows.Select(r => r.Text.CompanyId).ToArray(),
                dimensions = rows.Select(r => r.Dimension).ToArray(),
                scores = rows.Select(r => r.Score).ToArray(),
                models = rows.Select(r => r.Result.ModelId).ToArray(),
                providers = rows.Select(r => r.Result.Provider).ToArray(),
                prompts = rows.Select(r => r.Result.PromptVersion).ToArray(),
                languages = rows.Select(r => r.Text.Language).ToArray(),
                methods = rows.Select(r => ModelProviders.MethodOf(r.Result.Provider)).ToArray(),
            }, tx, cancellationToken: ct))).ToList();
        var scoreIds = inserted.ToDictionary(r => (r.TextId, r.Dimension), r => r.Id);

        var evidence = new List<(Guid ScoreId, Guid TextId, string Snippet, string Label, int Position, string Source)>();
        foreach (var (text, result, labels) in scored)
        {
            foreach (var item in labels.Evidence)
            {
                if (DimensionOf(item.Label, labels) is not { } dimension || !scoreIds.TryGetValue((text.Id, dimension), out var scoreId))
                {
                    continue;
                }

                // The classifier saw masked text only; masking the snippet again costs nothing and guards against a
                // provider that invents personal data.
                var snippet = screener.Screen(item.Snippet, Known(text.Language)).MaskedText;
                evidence.Add((scoreId, text.Id, snippet, item.Label, Math.Max(0, item.Start), ModelProviders.MethodOf(result.Provider)));
            }
        }

        var evidencePerText = new Dictionary<Guid, int>();
        if (evidence.Count > 0)
        {
            var stored = await conn.QueryAsync<Guid>(new CommandDefinition(
                """
                INSERT INTO impact.evidence_snippets (score_id, snippet, snippet_hash, label, position, source)
                SELECT * FROM unnest(@scoreIds, @snippets, @hashes, @labels, @positions, @sources)
                ON CONFLICT (snippet_hash) DO NOTHING
                RETURNING score_id
                """,
                new
                {
                    scoreIds = evidence.Select(e => e.ScoreId).ToArray(),
                    snippets = evidence.Select(e => e.Snippet).ToArray(),
                    hashes = evidence.Select(e => Hash(e.ScoreId, e.Snippet)).ToArray(),
                    labels = evidence.Select(e => e.Label).ToArray(),
                    positions = evidence.Select(e => e.Position).ToArray(),
                    sources = evidence.Select(e => e.Source).ToArray(),
                }, tx, cancellationToken: ct));
            var textOfScore = inserted.ToDictionary(r => r.Id, r => r.TextId);
            foreach (var scoreId in stored)
            {
                var textId = textOfScore[scoreId];
                evidencePerText[textId] = evidencePerText.GetValueOrDefault(textId) + 1;
            }
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.texts AS t
            SET status = 'classified', model_id = u.model_id, language = u.language,
                language_confidence = coalesce(u.confidence, t.language_confidence), unscored_reason = NULL,
                attempts = t.attempts + 1, last_error = NULL, processed_at = clock_timestamp(), updated_at = clock_timestamp()
            FROM unnest(@ids, @models, @languages, @confidences) AS u(id, model_id, language, confidence)
            WHERE t.id = u.id
            """,
            new
            {
                ids = scored.Select(x => x.Text.Id).ToArray(),
                models = scored.Select(x => x.Result.ModelId).ToArray(),
                languages = scored.Select(x => x.Text.Language).ToArray(),
                confidences = scored.Select(x => x.Text.LanguageConfidence).ToArray(),
            }, tx, cancellationToken: ct));

        var scoresOfText = inserted.ToLookup(r => r.TextId);
        var events = new List<(Guid? CompanyId, string Type, object Data, string? CorrelationId)>();
        foreach (var (text, result, _) in scored)
        {
            var scores = scoresOfText[text.Id].ToDictionary(r => r.Dimension, r => r.Score);
            if (scores.Count > 0)
            {
                events.Add((text.CompanyId, EventTypes.Q2QOutcomeScored, new
                {
                    textId = text.Id, source = text.Source, language = text.Language, modelId = result.ModelId, provider = result.Provider,
                    promptVersion = result.PromptVersion, method = ModelProviders.MethodOf(result.Provider), scores,
                    evidence = evidencePerText.GetValueOrDefault(text.Id),
                }, $"text:{text.Id}"));
            }
        }

        await EventLog.AppendManyAsync(conn, tx, events, ct);
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

    [LoggerMessage(Level = LogLevel.Warning, Message = "A batch of {Count} texts failed as a whole ({ErrorKind}); processing them one by one")]
    private static partial void LogBatchFailed(ILogger logger, int count, string errorKind);

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
