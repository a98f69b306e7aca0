using Impact.Ingest.Feedback;
using Impact.TestSupport;

namespace Impact.Ingest.Tests.Feedback;

/// <summary>POST /v1/texts: validation, scoping, roles and audit.</summary>
public sealed class TextsApiTests
{
    [Fact]
    public async Task BadInputIsAProblemNamingTheFieldAndNothingIsStoredOrQueued()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        var other = await f.CompanyAsync("Other", "other.example");
        var outsider = await f.ScalarAsync<Guid>("INSERT INTO impact.users (email, role, company_id) VALUES ('x@other.example', 'participant', @other) RETURNING id", new { other });
        var ok = new Dictionary<string, object?> { ["contentId"] = "c-1", ["contentType"] = "feedback_text", ["text"] = "fine" };
        Dictionary<string, object?> With(string key, object? value) => new(ok) { [key] = value };

        var cases = new Dictionary<string, (object Body, string Field)>
        {
            ["empty text"] = (With("text", ""), "text"),
            ["blank text"] = (With("text", "   "), "text"),
            ["no text"] = (With("text", null), "text"),
            ["over-long text"] = (With("text", new string('a', 10_001)), "text"),
            ["wrong content type"] = (With("contentType", "tweet"), "contentType"),
            ["no content id"] = (With("contentId", null), "contentId"),
            ["over-long content id"] = (With("contentId", new string('c', 201)), "contentId"),
            ["user id not a uuid"] = (With("userId", "not-a-uuid"), "userId"),
            ["another company's user"] = (With("userId", outsider.ToString()), "userId"),
            ["unknown user"] = (With("userId", Guid.NewGuid().ToString()), "userId"),
            ["text of the wrong type"] = (With("text", 42), "text"),
        };
        foreach (var (what, (body, field)) in cases)
        {
            var response = await f.SubmitAsync(acme, body);
            Assert.True(response.Status == 400, $"{what}: {response.Status} {response.Body}");
            Assert.Equal("application/problem+json", response.ContentType);
            Assert.False(string.IsNullOrWhiteSpace(response.Json.GetProperty("detail").GetString()), what);
            Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out _), $"{what}: {response.Body}");
            Assert.DoesNotContain("   at ", response.Body, StringComparison.Ordinal);
        }

        var malformed = await f.CallAsync(
            HttpInvoker.Request("POST", "/v1/texts", "{\"text\": "u8.ToArray(), headers: new Dictionary<string, string> { ["Authorization"] = $"Bearer {FeedbackApp.Admin(acme)}" }),
            r => f.App.Function<FeedbackTexts>().SubmitText(r, CancellationToken.None));
        Assert.Equal((400, "application/problem+json"), (malformed.Status, malformed.ContentType));
        var huge = await f.SubmitAsync(acme, With("text", new string('a', 200_000)));
        Assert.Equal((413, "application/problem+json"), (huge.Status, huge.ContentType));

        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.texts"));
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.audit_log"));
        Assert.Empty((await f.TextQueue.PeekMessagesAsync()).Value);
    }

    [Fact]
    public async Task ATextIsStoredForTheTokensCompanyAuditedQueuedAndTheSameTextAgainChangesNothing()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        var other = await f.CompanyAsync("Other", "other.example");
        var user = await f.ScalarAsync<Guid>("INSERT INTO impact.users (email, role, company_id) VALUES ('p@acme.example', 'participant', @acme) RETURNING id", new { acme });
        var body = new { contentId = "c-1", contentType = "checkin_note", userId = user, text = "Ніколи не думала, що зможу" };

        var first = await f.SubmitAsync(acme, body);
        var again = await f.SubmitAsync(acme, body);
        var sameIdOtherCompany = await f.SubmitAsync(other, new { contentId = "c-1", contentType = "other", text = "their own text" });

        Assert.Equal(202, first.Status);
        Assert.Equal(("queued", true, "c-1"), (first.Json.GetProperty("status").GetString(), first.Json.GetProperty("changed").GetBoolean(), first.Json.GetProperty("contentId").GetString()));
        Assert.Equal(200, again.Status);
        Assert.False(again.Json.GetProperty("changed").GetBoolean());
        Assert.Equal(first.Json.GetProperty("id").GetGuid(), again.Json.GetProperty("id").GetGuid());
        Assert.Equal(202, sameIdOtherCompany.Status);
        Assert.NotEqual(first.Json.GetProperty("id").GetGuid(), sameIdOtherCompany.Json.GetProperty("id").GetGuid());
        Assert.Equal((acme, user, "api"), (await f.QueryAsync<(Guid, Guid, string)>(
            "SELECT company_id, user_id, source FROM impact.texts WHERE id = @id", new { id = first.Json.GetProperty("id").GetGuid() })).Single());
        var audit = (await f.QueryAsync<(string Action, string Subject, string By, Guid Company, string Details)>(
            "SELECT action, subject, performed_by, company_id, details::text FROM impact.audit_log WHERE company_id = @acme", new { acme })).Single();
        Assert.Equal(("text.submit", $"text:{first.Json.GetProperty("id").GetGuid()}", "admin-1"), (audit.Action, audit.Subject, audit.By));
        Assert.DoesNotContain("зможу", audit.Details, StringComparison.Ordinal);
        Assert.Equal(2, (await f.TextQueue.PeekMessagesAsync(maxMessages: 32)).Value.Length);
        Assert.Equal(0, await f.DrainTextsAsync());
        Assert.Equal("uk", await f.ScalarAsync<string>("SELECT language FROM impact.texts WHERE company_id = @acme", new { acme }));
    }

    [Fact]
    public async Task OnlyACompanyAdministratorMaySendTexts()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        var body = new { contentId = "c-1", contentType = "other", text = "hello" };

        var reviewer = await f.CallAsync(FeedbackApp.Request("POST", "/v1/texts", FeedbackApp.Reviewer(acme), body), r => f.App.Function<FeedbackTexts>().SubmitText(r, CancellationToken.None));
        var op = await f.CallAsync(FeedbackApp.Request("POST", "/v1/texts", FeedbackApp.Operator(), body), r => f.App.Function<FeedbackTexts>().SubmitText(r, CancellationToken.None));
        var anonymous = await f.CallAsync(HttpInvoker.JsonRequest("POST", "/v1/texts", body), r => f.App.Function<FeedbackTexts>().SubmitText(r, CancellationToken.None));

        Assert.Equal((403, 403, 401), (reviewer.Status, op.Status, anonymous.Status));
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.texts"));
    }
}
