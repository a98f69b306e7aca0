using Impact.Ingest.Feedback;
using Impact.TestSupport;

namespace Impact.Ingest.Tests.Feedback;

/// <summary>The review queue API: scoping (another company's item is an unknown id), roles, decisions and their audit.</summary>
public sealed class SafetyReviewApiTests
{
    private static async Task<Guid> HeldItemAsync(FeedbackApp f, Guid company, string contentId)
    {
        Assert.Equal(202, (await f.SubmitAsync(company, new { contentId, contentType = "message", text = "HIGHRISK text, mail me at a@b.example" })).Status);
        Assert.Equal(0, await f.DrainTextsAsync());
        return await f.ScalarAsync<Guid>(
            "SELECT q.id FROM impact.safety_review_queue q JOIN impact.texts t ON t.id = q.text_id WHERE t.content_id LIKE '%/' || @contentId", new { contentId });
    }

    private static Task<TestResponse> Decide(FeedbackApp f, string token, Guid id, object body) =>
        f.CallAsync(FeedbackApp.Request("POST", $"/v1/safety/queue/{id}/decision", token, body),
            r => f.App.Function<SafetyReview>().DecideSafetyQueueItem(r, id.ToString(), CancellationToken.None));

    [Fact]
    public async Task AnotherCompanysItemAnswersAsAnUnknownIdAndListsAndStatsShowNoneOfIt()
    {
        await using var f = await FeedbackApp.StartAsync();
        var a = await f.CompanyAsync("A", "a.example");
        var b = await f.CompanyAsync("B", "b.example");
        var item = await HeldItemAsync(f, a, "n-1");
        var reviewerB = FeedbackApp.Reviewer(b, "reviewer-b");
        var unknown = Guid.NewGuid();
        var api = f.App.Function<SafetyReview>();

        var get = await f.CallAsync(FeedbackApp.Request("GET", $"/v1/safety/queue/{item}", reviewerB), r => api.GetSafetyQueueItem(r, item.ToString(), CancellationToken.None));
        var getUnknown = await f.CallAsync(FeedbackApp.Request("GET", $"/v1/safety/queue/{unknown}", reviewerB), r => api.GetSafetyQueueItem(r, unknown.ToString(), CancellationToken.None));
        var decide = await Decide(f, reviewerB, item, new { decision = "approve" });
        var list = await f.CallAsync(FeedbackApp.Request("GET", "/v1/safety/queue", reviewerB), r => api.ListSafetyQueue(r, CancellationToken.None));
        var stats = await f.CallAsync(FeedbackApp.Request("GET", "/v1/safety/stats", reviewerB), r => api.SafetyStats(r, CancellationToken.None));
        var listA = await f.CallAsync(FeedbackApp.Request("GET", "/v1/safety/queue", FeedbackApp.Reviewer(a), query: "status=pending&risk=high"), r => api.ListSafetyQueue(r, CancellationToken.None));
        var getA = await f.CallAsync(FeedbackApp.Request("GET", $"/v1/safety/queue/{item}", FeedbackApp.Reviewer(a)), r => api.GetSafetyQueueItem(r, item.ToString(), CancellationToken.None));
        var statsA = await f.CallAsync(FeedbackApp.Request("GET", "/v1/safety/stats", FeedbackApp.Reviewer(a)), r => api.SafetyStats(r, CancellationToken.None));

        Assert.Equal((404, 404, 404), (get.Status, getUnknown.Status, decide.Status));
        Assert.Equal("application/problem+json", get.ContentType);
        Assert.Equal(getUnknown.Json.GetProperty("detail").GetString()!.Replace(unknown.ToString(), item.ToString()), get.Json.GetProperty("detail").GetString());
        Assert.Equal(0, list.Json.GetProperty("total").GetInt64());
        Assert.Equal(0, stats.Json.GetProperty("byStatus").GetProperty("pending").GetInt64());
        Assert.Equal(item, listA.Json.GetProperty("items")[0].GetProperty("id").GetGuid());
        Assert.Equal("HIGHRISK text, mail me at [EMAIL]", getA.Json.GetProperty("maskedText").GetString());
        Assert.Equal(1, statsA.Json.GetProperty("byStatus").GetProperty("pending").GetInt64());
        Assert.Equal(1, statsA.Json.GetProperty("heldTexts").GetInt64());
        Assert.Equal("pending", await f.ScalarAsync<string>("SELECT status FROM impact.safety_review_queue WHERE id = @item", new { item }));
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.audit_log WHERE performed_by = 'reviewer-b'"));
    }

    [Fact]
    public async Task OnlyReviewersDecideEveryDecisionIsAuditedAsTheTokensPrincipalAndADecidedItemCannotBeDecidedAgain()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        var item = await HeldItemAsync(f, acme, "n-2");

        var asAdmin = await Decide(f, FeedbackApp.Admin(acme), item, new { decision = "approve" });
        var asOperator = await Decide(f, FeedbackApp.Operator(), item, new { decision = "approve" });
        var badDecision = await Decide(f, FeedbackApp.Reviewer(acme), item, new { decision = "maybe" });
        var longNotes = await Decide(f, FeedbackApp.Reviewer(acme), item, new { decision = "reject", notes = new string('n', 2001) });
        var escalated = await Decide(f, FeedbackApp.Reviewer(acme, "rev-1"), item, new { decision = "escalate", notes = "needs a second look, mentions a@b.example" });
        var rejected = await Decide(f, FeedbackApp.Reviewer(acme, "rev-2"), item, new { decision = "reject", performedBy = "someone-else" });
        var again = await Decide(f, FeedbackApp.Reviewer(acme, "rev-2"), item, new { decision = "approve" });

        Assert.Equal((403, 403), (asAdmin.Status, asOperator.Status));
        Assert.Equal((400, 400), (badDecision.Status, longNotes.Status));
        Assert.Equal(("escalated", "rev-1"), (escalated.Json.GetProperty("status").GetString(), escalated.Json.GetProperty("reviewer").GetString()));
        Assert.Equal(("rejected", "rev-2", "rejected"), (rejected.Json.GetProperty("status").GetString(), rejected.Json.GetProperty("reviewer").GetString(),
            rejected.Json.GetProperty("textStatus").GetString()));
        Assert.Equal(409, again.Status);
        Assert.Equal("application/problem+json", again.ContentType);
        var audit = await f.QueryAsync<(string Action, string Subject, string By, string Details)>(
            "SELECT action, subject, performed_by, details::text FROM impact.audit_log WHERE action = 'safety.review.decision' ORDER BY id");
        Assert.Equal([("safety.review.decision", $"safety_review:{item}", "rev-1"), ("safety.review.decision", $"safety_review:{item}", "rev-2")],
            audit.Select(a => (a.Action, a.Subject, a.By)));
        Assert.All(audit, a => Assert.DoesNotContain("@", a.Details, StringComparison.Ordinal)); // notes stay out of the audit log
        Assert.Equal(2, await f.ScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type = 'safety.review.completed'"));
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores"));
        Assert.Empty(f.Classifier.Requests);
    }
}
