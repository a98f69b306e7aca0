using Impact.Ingest.Cohorts;
using Impact.Shared.Cohorts;
using Impact.TestSupport.Security;

namespace Impact.Ingest.Tests.Cohorts;

/// <summary>The cohorts API through its declared policies with real tokens: scoping, audit, problems for bad parameters.</summary>
public sealed class CohortApiTests
{
    [Fact]
    public async Task AnotherCompanysCohortIsA404AndChangesAreAudited()
    {
        await using var app = await TestApp.StartAsync();
        var data = new CohortData(app.Database.DataSource);
        var a = await data.Rows.CompanyAsync("A");
        var b = await data.Rows.CompanyAsync("B");
        var adminA = TestTokens.Admin(a, "admin-a");
        var adminB = TestTokens.Admin(b, "admin-b");
        var defs = app.Function<CohortDefinitions>();
        var analytics = app.Function<CohortAnalytics>();

        var created = await app.Services.CallAsync(CohortData.Request("POST", "/v1/cohorts", adminA,
                body: new { name = "Spring learners", filters = new { sessionType = "language", cefrAtStart = new[] { "a1", "A2" }, firstSessionFrom = "2026-03", firstSessionTo = "2026-05" } }),
            r => defs.CreateCohort(r, CancellationToken.None));
        Assert.Equal(201, created.Status);
        var id = created.Json.GetProperty("id").GetGuid();
        Assert.Equal($"/v1/cohorts/{id}", created.Headers.Location.ToString());
        Assert.Equal(["A1", "A2"], created.Json.GetProperty("filters").GetProperty("cefrAtStart").EnumerateArray().Select(e => e.GetString()));

        var theirs = new (string Method, string Path, string? Query, object? Body, Func<Microsoft.AspNetCore.Http.HttpRequest, Task<Microsoft.AspNetCore.Mvc.IActionResult>> Call)[]
        {
            ("GET", $"/v1/cohorts/{id}", null, null, r => defs.GetCohort(r, id.ToString(), CancellationToken.None)),
            ("PATCH", $"/v1/cohorts/{id}", null, new { name = "mine now" }, r => defs.UpdateCohort(r, id.ToString(), CancellationToken.None)),
            ("DELETE", $"/v1/cohorts/{id}", null, null, r => defs.DeleteCohort(r, id.ToString(), CancellationToken.None)),
            ("GET", $"/v1/cohorts/{id}/metrics", "metric=rating", null, r => analytics.GetCohortMetrics(r, id.ToString(), CancellationToken.None)),
            ("GET", $"/v1/cohorts/{id}/trends", "metric=rating", null, r => analytics.GetCohortTrends(r, id.ToString(), CancellationToken.None)),
            ("POST", "/v1/cohorts/compare", null, new { cohortIds = new[] { id }, metric = "rating", period = "2026-03" }, r => analytics.CompareCohorts(r, CancellationToken.None)),
        };
        foreach (var (method, path, query, body, call) in theirs)
        {
            var response = await app.Services.CallAsync(CohortData.Request(method, path, adminB, query, body), call);
            Assert.True(response.Status == 404, $"{method} {path}: {response.Status} {response.Body}");
            Assert.Equal("application/problem+json", response.ContentType);
        }

        var listB = await app.Services.CallAsync(CohortData.Request("GET", "/v1/cohorts", adminB), r => defs.ListCohorts(r, CancellationToken.None));
        Assert.Empty(listB.Json.GetProperty("items").EnumerateArray());
        var topB = await app.Services.CallAsync(CohortData.Request("GET", "/v1/cohorts/top", adminB, "metric=rating"), r => analytics.TopCohorts(r, CancellationToken.None));
        Assert.Empty(topB.Json.GetProperty("items").EnumerateArray());

        var renamed = await app.Services.CallAsync(CohortData.Request("PATCH", $"/v1/cohorts/{id}", adminA, body: new { filters = new { sessionType = "mentorship" } }),
            r => defs.UpdateCohort(r, id.ToString(), CancellationToken.None));
        Assert.Equal(200, renamed.Status);
        Assert.Equal("mentorship", renamed.Json.GetProperty("filters").GetProperty("sessionType").GetString());
        Assert.True(renamed.Json.GetProperty("rebuilding").GetBoolean());
        var deleted = await app.Services.CallAsync(CohortData.Request("DELETE", $"/v1/cohorts/{id}", adminA), r => defs.DeleteCohort(r, id.ToString(), CancellationToken.None));
        Assert.Equal(204, deleted.Status);
        Assert.Equal([$"admin-a cohort.created cohort:{id}", $"admin-a cohort.updated cohort:{id}", $"admin-a cohort.deleted cohort:{id}"],
            await data.Rows.QueryAsync<string>("SELECT performed_by || ' ' || action || ' ' || subject FROM impact.audit_log WHERE action LIKE 'cohort.%' ORDER BY id"));
    }

    [Fact]
    public async Task UnknownMetricsBadPeriodsAndTooManyCohortsAre400sNamingTheParameter()
    {
        await using var app = await TestApp.StartAsync();
        var data = new CohortData(app.Database.DataSource);
        var a = await data.Rows.CompanyAsync("A");
        var admin = TestTokens.Admin(a);
        var defs = app.Function<CohortDefinitions>();
        var analytics = app.Function<CohortAnalytics>();
        var created = await app.Services.CallAsync(CohortData.Request("POST", "/v1/cohorts", admin, body: new { name = "all" }), r => defs.CreateCohort(r, CancellationToken.None));
        var id = created.Json.GetProperty("id").GetGuid().ToString();

        var cases = new (string Query, string Field, string Says)[]
        {
            ("metric=happiness", "metric", "'happiness' is not a metric"),
            ("", "metric", "metric is required"),
            ("metric=rating&from=2026-13", "from", "is not a month"),
            ("metric=rating&periodKind=quarter&to=2026-Q5", "to", "is not a quarter"),
            ("metric=rating&from=2026-06&to=2026-03", "from", "is after to"),
            ("metric=rating&periodKind=week", "periodKind", "is not a period kind"),
        };
        foreach (var (query, field, says) in cases)
        {
            var response = await app.Services.CallAsync(CohortData.Request("GET", $"/v1/cohorts/{id}/metrics", admin, query),
                r => analytics.GetCohortMetrics(r, id, CancellationToken.None));
            Assert.True(response.Status == 400, $"{query}: {response.Status} {response.Body}");
            Assert.Equal("application/problem+json", response.ContentType);
            Assert.Contains(says, response.Json.GetProperty("errors").GetProperty(field)[0].GetString()!, StringComparison.Ordinal);
        }

        var trends = await app.Services.CallAsync(CohortData.Request("GET", $"/v1/cohorts/{id}/trends", admin, "metric=rating&periods=0"),
            r => analytics.GetCohortTrends(r, id, CancellationToken.None));
        Assert.True(trends.Json.GetProperty("errors").TryGetProperty("periods", out _), trends.Body);
        var top = await app.Services.CallAsync(CohortData.Request("GET", "/v1/cohorts/top", admin, "metric=rating&period=spring"),
            r => analytics.TopCohorts(r, CancellationToken.None));
        Assert.True(top.Json.GetProperty("errors").TryGetProperty("period", out _), top.Body);

        var eleven = Enumerable.Range(0, 11).Select(_ => Guid.NewGuid()).ToArray();
        foreach (var (body, field) in new (object, string)[]
                 {
                     (new { cohortIds = eleven, metric = "rating", period = "2026-03" }, "cohortIds"),
                     (new { cohortIds = new[] { Guid.Parse(id) }, metric = "nps", period = "2026-03" }, "metric"),
                     (new { cohortIds = new[] { Guid.Parse(id) }, metric = "rating", period = "2026-Q7" }, "period"),
                 })
        {
            var response = await app.Services.CallAsync(CohortData.Request("POST", "/v1/cohorts/compare", admin, body: body),
                r => analytics.CompareCohorts(r, CancellationToken.None));
            Assert.True(response.Status == 400, $"{field}: {response.Status} {response.Body}");
            Assert.True(response.Json.GetProperty("errors").TryGetProperty(field, out _), response.Body);
        }

        var badCohort = await app.Services.CallAsync(CohortData.Request("POST", "/v1/cohorts", admin,
                body: new { name = "", filters = new { role = "mentor", firstSessionFrom = "2026-05", firstSessionTo = "2026-02", cefrAtStart = new[] { "D1" } } }),
            r => defs.CreateCohort(r, CancellationToken.None));
        Assert.Equal(400, badCohort.Status);
        var errors = badCohort.Json.GetProperty("errors");
        Assert.All(new[] { "name", "filters.role", "filters.firstSessionTo", "filters.cefrAtStart" }, f => Assert.True(errors.TryGetProperty(f, out _), badCohort.Body));
        var malformed = await app.Services.CallAsync(CohortData.Request("GET", "/v1/cohorts/not-an-id", admin), r => defs.GetCohort(r, "not-an-id", CancellationToken.None));
        Assert.Equal(404, malformed.Status);
        Assert.Equal(1, await data.Rows.ScalarAsync<int>("SELECT count(*)::int FROM impact.cohorts"));
    }
}
