using Impact.Ingest.Feedback;
using Impact.Ingest.Tests.Webhooks;
using Impact.Ingest.Webhooks;
using Impact.Shared.Feedback.Pipeline;
using Impact.TestSupport;

namespace Impact.Ingest.Tests.Feedback;

/// <summary>The text pipeline end to end: real PostgreSQL and Azurite queues; screener, detector and classifier are test doubles (see FeedbackApp).</summary>
public sealed class TextPipelineTests
{
    private static async Task PostWebhookAndProcess(FeedbackApp f, string kind, string deliveryId, object payload)
    {
        var response = await HttpInvoker.InvokeAsync(Kintell.Signed(kind, deliveryId, Kintell.Json(payload)),
            r => f.App.Function<KintellWebhook>().ReceiveKintellWebhook(r, kind, CancellationToken.None));
        Assert.Equal(202, response.Status);
        var triggers = f.App.Function<WebhookQueueTriggers>();
        Assert.Equal(0, await new QueueHost(f.App.Queue, f.App.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None)));
    }

    private static object RatingWithFeedback(string ratingId, string sessionId, string text)
    {
        var rating = (Dictionary<string, object?>)Kintell.Rating(ratingId, sessionId, 5);
        rating["feedback_text"] = text;
        return rating;
    }

    private static Task<(long Texts, long Flags, long Scores, long Evidence, long Events, int ClassifierCalls)> CountsAsync(FeedbackApp f) =>
        Task.WhenAll(
                f.ScalarAsync<long>("SELECT count(*) FROM impact.texts"),
                f.ScalarAsync<long>("SELECT count(*) FROM impact.safety_flags"),
                f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores"),
                f.ScalarAsync<long>("SELECT count(*) FROM impact.evidence_snippets"),
                f.ScalarAsync<long>("SELECT count(*) FROM impact.events"))
            .ContinueWith(t => (t.Result[0], t.Result[1], t.Result[2], t.Result[3], t.Result[4], f.Classifier.Requests.Count));

    [Fact]
    public async Task AWebhookRatingWithFeedbackEndsWithScreeningALanguageScoresMaskedEvidenceAndOneEventAndProcessingTwiceChangesNothing()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        await PostWebhookAndProcess(f, "session-completed", "d-s", Kintell.Session("s-1"));

        await PostWebhookAndProcess(f, "rating-created", "d-r", RatingWithFeedback("r-1", "s-1",
            "Write to anna.k@example.org: I feel much more confident at job interviews now"));
        Assert.Equal(0, await f.DrainTextsAsync());

        var text = (await f.QueryAsync<(Guid Id, string Source, string Status, string Language, Guid CompanyId, string Risk)>(
            "SELECT id, source, status, language, company_id, risk FROM impact.texts WHERE content_id = 'r-1'")).Single();
        Assert.Equal(("kintell_rating", "classified", "en", acme, "low"), (text.Source, text.Status, text.Language, text.CompanyId, text.Risk));
        var flag = (await f.QueryAsync<(string Category, string Risk, bool RequiresReview, string Status)>(
            "SELECT category, risk, requires_review, status FROM impact.safety_flags WHERE text_id = @Id", new { text.Id })).Single();
        Assert.Equal(("pii", "low", false, "cleared"), flag);
        var scores = (await f.QueryAsync<(string Dimension, double Score, string ModelId, string Provider, string PromptVersion, string Language, string Method)>(
            "SELECT dimension, score, model_id, provider, prompt_version, language, method FROM impact.outcome_scores WHERE text_id = @Id ORDER BY dimension",
            new { text.Id })).ToList();
        Assert.Equal(
            [("belonging", 0.5), ("confidence", 0.8), ("job_readiness", 0.45), ("lang_level_proxy", 0.9), ("well_being", 0.75)],
            scores.Select(s => (s.Dimension, Math.Round(s.Score, 4))));
        Assert.All(scores, s => Assert.Equal(("embedded-q2q-v1", "embedded", "embedded-q2q-v1", "en", "embedded"), (s.ModelId, s.Provider, s.PromptVersion, s.Language, s.Method)));
        // The classifier saw the masked text only, and every stored snippet is masked.
        Assert.Equal("Write to [EMAIL]: I feel much more confident at job interviews now", Assert.Single(f.Classifier.Requests).MaskedText);
        var snippets = await f.QueryAsync<string>("SELECT e.snippet FROM impact.evidence_snippets e JOIN impact.outcome_scores o ON o.id = e.score_id WHERE o.text_id = @Id", new { text.Id });
        Assert.Equal(2, snippets.Count);
        Assert.All(snippets, s => Assert.DoesNotContain("@", s, StringComparison.Ordinal));
        Assert.Contains(snippets, s => s.Contains("[EMAIL]", StringComparison.Ordinal));
        var scored = (await f.QueryAsync<(Guid CompanyId, string Data)>("SELECT company_id, data::text FROM impact.events WHERE type = 'q2q.outcome.scored'")).Single();
        Assert.Equal(acme, scored.CompanyId);
        Assert.Contains(text.Id.ToString(), scored.Data, StringComparison.Ordinal);
        Assert.DoesNotContain("@", scored.Data, StringComparison.Ordinal);

        // The same message again (at-least-once queue), and the webhook re-processed: nothing changes.
        var before = await CountsAsync(f);
        await f.App.Function<TextPipelineTriggers>().ProcessText($$"""{"textIds":["{{text.Id}}"]}""", CancellationToken.None);
        await f.App.Function<WebhookQueueTriggers>().ProcessWebhook("""{"source":"kintell","deliveryId":"d-r"}""", CancellationToken.None);
        Assert.Equal(0, await f.DrainTextsAsync());
        Assert.Equal(before, await CountsAsync(f));
        Assert.Equal((5L, 2L), (before.Scores, before.Evidence));
    }

    [Fact]
    public async Task ARatingReSentWithTheSameTextChangesNothingAndAChangedTextReplacesTheOldScores()
    {
        await using var f = await FeedbackApp.StartAsync();
        await f.CompanyAsync();
        await PostWebhookAndProcess(f, "session-completed", "d-s", Kintell.Session("s-2"));
        await PostWebhookAndProcess(f, "rating-created", "d-r1", RatingWithFeedback("r-2", "s-2", "Good practice"));
        await f.DrainTextsAsync();

        await PostWebhookAndProcess(f, "rating-created", "d-r2", RatingWithFeedback("r-2", "s-2", "Good practice"));
        Assert.Empty((await f.TextQueue.PeekMessagesAsync()).Value);
        Assert.Single(f.Classifier.Requests);

        var changed = (Dictionary<string, object?>)RatingWithFeedback("r-2", "s-2", "Better practice this time");
        changed["rating"] = 4;
        await PostWebhookAndProcess(f, "rating-created", "d-r3", changed);
        await f.DrainTextsAsync();

        Assert.Equal(2, f.Classifier.Requests.Count);
        Assert.Equal((2, "classified"), (await f.QueryAsync<(int, string)>("SELECT revision, status FROM impact.texts")).Single());
        Assert.Equal(5, await f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores"));
        Assert.Equal(2, await f.ScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type = 'q2q.outcome.scored'"));
    }

    [Fact]
    public async Task AHighRiskTextIsNeverGivenToAClassifierAndOnceReleasedByAReviewerIsClassifiedOnce()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        f.Classifier.FailIfCalled = true; // any call before the release fails the text (and this test)

        var submitted = await f.SubmitAsync(acme, new { contentId = "note-1", contentType = "checkin_note", text = "HIGHRISK words about my mentor" });
        Assert.Equal(202, submitted.Status);
        var textId = submitted.Json.GetProperty("id").GetGuid();
        Assert.Equal(0, await f.DrainTextsAsync());
        // Processing the held text again, directly, still does not reach the classifier.
        Assert.Equal(TextProcessOutcome.AlreadyDone, await f.App.Service<TextProcessor>().ProcessAsync(textId));

        Assert.Equal(("held", "high", (string?)null), (await f.QueryAsync<(string, string, string?)>("SELECT status, risk, language FROM impact.texts")).Single());
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores"));
        Assert.Empty(f.Classifier.Requests);
        var item = (await f.QueryAsync<(Guid Id, string Risk, string Status)>("SELECT id, risk, status FROM impact.safety_review_queue")).Single();
        Assert.Equal(("high", "pending"), (item.Risk, item.Status));
        Assert.Equal(("toxic", "high", true, "open"), (await f.QueryAsync<(string, string, bool, string)>(
            "SELECT category, risk, requires_review, status FROM impact.safety_flags")).Single());
        Assert.Equal(1, await f.ScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type = 'safety.flag.raised' AND company_id = @acme", new { acme }));

        f.Classifier.FailIfCalled = false;
        var decided = await f.CallAsync(FeedbackApp.Request("POST", $"/v1/safety/queue/{item.Id}/decision", FeedbackApp.Reviewer(acme), new { decision = "approve", notes = "a quote, not a threat" }),
            r => f.App.Function<SafetyReview>().DecideSafetyQueueItem(r, item.Id.ToString(), CancellationToken.None));
        Assert.Equal(200, decided.Status);
        Assert.Equal(0, await f.DrainTextsAsync());
        await f.App.Service<TextProcessor>().ProcessAsync(textId); // a redelivery after the release
        Assert.Equal(0, await f.DrainTextsAsync());

        Assert.Single(f.Classifier.Requests);
        Assert.Equal(("classified", "en", "reviewer-1"), (await f.QueryAsync<(string, string, string)>("SELECT status, language, released_by FROM impact.texts")).Single());
        Assert.Equal(5, await f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores"));
        Assert.Equal(1, await f.ScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type = 'q2q.outcome.scored'"));
        Assert.Equal(1, await f.ScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type = 'safety.review.completed'"));
        Assert.Equal(("approved", "approved"), (await f.QueryAsync<(string, string)>(
            "SELECT q.status, f.status FROM impact.safety_review_queue q JOIN impact.safety_flags f ON f.id = q.flag_id")).Single());
    }

    [Fact]
    public async Task AMediumRiskTextIsClassifiedAndQueuedForReviewAndRejectingItRemovesItsScores()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();

        await f.SubmitAsync(acme, new { contentId = "m-1", contentType = "message", text = "MEDRISK but the session helped" });
        await f.DrainTextsAsync();

        Assert.Equal(("classified", "medium"), (await f.QueryAsync<(string, string)>("SELECT status, risk FROM impact.texts")).Single());
        Assert.Equal(5, await f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores"));
        var item = (await f.QueryAsync<(Guid Id, string Risk, string Status)>("SELECT id, risk, status FROM impact.safety_review_queue")).Single();
        Assert.Equal(("medium", "pending"), (item.Risk, item.Status));

        var rejected = await f.CallAsync(FeedbackApp.Request("POST", $"/v1/safety/queue/{item.Id}/decision", FeedbackApp.Reviewer(acme), new { decision = "reject" }),
            r => f.App.Function<SafetyReview>().DecideSafetyQueueItem(r, item.Id.ToString(), CancellationToken.None));

        Assert.Equal(200, rejected.Status);
        Assert.Equal("rejected", await f.ScalarAsync<string>("SELECT status FROM impact.texts"));
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores"));
        Assert.Single(f.Classifier.Requests);
    }

    [Fact]
    public async Task TextsLeftReceivedAreQueuedByTheSweeperInBatchesAndThePoisonQueueMarksThemFailed()
    {
        await using var f = await FeedbackApp.StartAsync(new Dictionary<string, string?>
        {
            ["TextPipeline:SweepAfterSeconds"] = "0", ["TextPipeline:IdsPerMessage"] = "2",
        });
        var acme = await f.CompanyAsync();
        await using (var conn = await f.App.Database.DataSource.OpenConnectionAsync())
        {
            await using var tx = await conn.BeginTransactionAsync();
            for (var i = 0; i < 5; i++)
            {
                await TextRows.UpsertAsync(conn, tx, TextSources.Api, $"x-{i}", "other", acme, null, $"text number {i}");
            }

            await tx.CommitAsync();
        }

        await f.App.Function<TextPipelineTriggers>().SweepTextOutbox(null!, CancellationToken.None);

        Assert.Equal(3, (await f.TextQueue.PeekMessagesAsync(maxMessages: 32)).Value.Length); // 5 ids, 2 per message
        Assert.Equal(5, await f.ScalarAsync<long>("SELECT count(*) FROM impact.texts WHERE status = 'queued'"));
        await f.App.Function<TextPipelineTriggers>().SweepTextOutbox(null!, CancellationToken.None);
        Assert.Equal(3, (await f.TextQueue.PeekMessagesAsync(maxMessages: 32)).Value.Length); // nothing queued twice
        Assert.Equal(0, await f.DrainTextsAsync());
        Assert.Equal(5, await f.ScalarAsync<long>("SELECT count(*) FROM impact.texts WHERE status = 'classified'"));

        // A message the host gave up on: the texts not finished are marked failed, finished ones stay.
        var unfinished = await f.ScalarAsync<Guid>("UPDATE impact.texts SET status = 'queued' WHERE content_id = 'x-0' RETURNING id");
        var done = await f.ScalarAsync<Guid>("SELECT id FROM impact.texts WHERE content_id = 'x-1'");
        await f.App.Function<TextPipelineTriggers>().DeadLetterText($$"""{"textIds":["{{unfinished}}","{{done}}"]}""", CancellationToken.None);
        Assert.Equal(["classified", "failed"], await f.QueryAsync<string>("SELECT status FROM impact.texts WHERE id IN (@unfinished, @done) ORDER BY status", new { unfinished, done }));
    }

    [Fact]
    public async Task ABatchOfTextsIsScreenedHeldClassifiedAndStoredOnceAndProcessingItTwiceChangesNothing()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        var texts = new[] { "I feel much more confident now", "HIGHRISK words", "MEDRISK words", "mail me at a.b@example.org", "thanks, all fine" };
        var ids = new List<Guid>();
        await using (var conn = await f.App.Database.DataSource.OpenConnectionAsync())
        {
            await using var tx = await conn.BeginTransactionAsync();
            for (var i = 0; i < texts.Length; i++)
            {
                ids.Add((await TextRows.UpsertAsync(conn, tx, TextSources.Api, $"b-{i}", "other", acme, null, texts[i])).GetValueOrDefault());
            }

            await tx.CommitAsync();
        }

        var missing = Guid.NewGuid();
        var processor = f.App.Service<TextProcessor>();
        var outcomes = await processor.ProcessManyAsync([.. ids, missing, ids[0]]);

        Assert.Equal(
            [TextProcessOutcome.Classified, TextProcessOutcome.Held, TextProcessOutcome.Classified, TextProcessOutcome.Classified, TextProcessOutcome.Classified, TextProcessOutcome.NotFound],
            ids.Append(missing).Select(id => outcomes[id]));
        Assert.Equal(4, f.Classifier.Requests.Count); // never the HIGH one
        Assert.DoesNotContain(f.Classifier.Requests, r => r.MaskedText.Contains("HIGHRISK", StringComparison.Ordinal) || r.MaskedText.Contains('@'));
        Assert.Equal(["classified", "classified", "classified", "classified", "held"],
            await f.QueryAsync<string>("SELECT status FROM impact.texts ORDER BY status"));
        Assert.Equal([("medium", 1L), ("high", 1L)],
            await f.QueryAsync<(string, long)>("SELECT risk, count(*) FROM impact.safety_review_queue GROUP BY risk ORDER BY count(*), risk DESC"));
        Assert.Equal(20, await f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores"));
        Assert.Equal(4, await f.ScalarAsync<long>("SELECT count(DISTINCT text_id) FROM impact.outcome_scores"));
        Assert.Equal([("q2q.outcome.scored", 4L, 4L), ("safety.flag.raised", 2L, 2L)],
            await f.QueryAsync<(string, long, long)>("SELECT type, count(*), count(DISTINCT correlation_id) FROM impact.events WHERE type IN ('q2q.outcome.scored', 'safety.flag.raised') GROUP BY type ORDER BY type"));
        var masked = await f.QueryAsync<string>("SELECT snippet FROM impact.evidence_snippets");
        Assert.NotEmpty(masked);
        Assert.All(masked, s => Assert.DoesNotContain("@", s, StringComparison.Ordinal));
        // Each text counted one attempt; events carry the text's correlation id.
        Assert.Equal([1], await f.QueryAsync<int>("SELECT DISTINCT attempts FROM impact.texts"));
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.events e WHERE type = 'q2q.outcome.scored' AND correlation_id <> 'text:' || (e.data->>'textId')"));

        var before = await CountsAsync(f);
        var again = await processor.ProcessManyAsync(ids);
        Assert.All(ids, id => Assert.Equal(TextProcessOutcome.AlreadyDone, again[id]));
        Assert.Equal(before, await CountsAsync(f));
    }
}
