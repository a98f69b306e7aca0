using System.Text;
using Impact.Ingest.Journeys;
using Impact.Shared.Journeys;
using Impact.Shared.Security;
using Impact.TestSupport;
using Impact.TestSupport.Security;
using Microsoft.AspNetCore.Http;

namespace Impact.Ingest.Tests.Journeys;

/// <summary>The journeys API through its declared policies with real tokens: validation, scoping, audit, evaluation on demand.</summary>
public sealed class JourneyApiTests
{
    private const string GoodRule = """
        id: quiet_volunteer
        name: Quiet volunteer
        priority: 10
        conditions:
          - type: value
            source: profile
            field: role
            op: "="
            value: volunteer
          - type: count
            source: sessions
            op: "<"
            value: 1
        actions:
          - type: set_flag
            flag: quiet_volunteer
        """;

    [Fact]
    public async Task InvalidYamlOrRuleJsonIsA400NamingTheFieldAndLineAndNothingIsStored()
    {
        await using var app = await TestApp.StartAsync();
        var data = new JourneyData(app.Database.DataSource);
        var company = await data.CompanyAsync();
        var admin = TestTokens.Admin(company);
        var fn = app.Function<JourneyRules>();

        var cases = new (string Body, string ContentType, string Field, string Says)[]
        {
            (GoodRule.Replace("op: \"<\"", "op: \"=<\""), "application/yaml", "conditions[1].op", "line 12"),
            (GoodRule.Replace("type: count", "type: tally"), "application/yaml", "conditions[1].type", "'tally' is not a condition type"),
            (GoodRule.Replace("source: sessions", "source: bookings"), "application/yaml", "conditions[1].source", "'bookings' is not a source"),
            (GoodRule.Replace("    value: 1", "    value: one"), "application/yaml", "conditions[1].value", "must be a number"),
            (GoodRule.Replace("flag: quiet_volunteer", "flag: Quiet Volunteer"), "application/yaml", "actions[0].flag", "lower-case"),
            ("id: x\nname: [unclosed\n", "application/yaml", "(syntax)", "line"),
            ("""{"id": "x", "name": "X", "conditions": [{"type": "exists", "source": "sessions", "op": ">"}], "actions": [{"type": "set_flag", "flag": "x"}]}""",
                "application/json", "conditions[0]", "no op or value"),
            ("""{"id": "x", "name": "X", "conditions": [], "actions": [{"type": "emit_event"}]}""", "application/json", "conditions", "non-empty"),
            ("""{"id": "x", "name": "X", "conditions": [{"type": "exists", "source": "sessions"}], "actions": [{"type": "emit_event"}]}""",
                "application/json", "actions[0].milestone", "required"),
            ("", "application/yaml", "(rule)", "empty"),
        };

        foreach (var (body, contentType, field, says) in cases)
        {
            var response = await app.Services.CallAsync(Request("POST", "/v1/journeys/rules", admin, body, contentType),
                r => fn.JourneyCreateRule(r, CancellationToken.None));
            Assert.True(response.Status == 400, $"{field}: {response.Status} {response.Body}");
            Assert.Equal("application/problem+json", response.ContentType);
            var errors = response.Json.GetProperty("errors");
            Assert.True(errors.TryGetProperty(field, out var messages), $"expected an error on {field}: {response.Body}");
            Assert.Contains(says, messages[0].GetString()!, StringComparison.Ordinal);
        }

        Assert.Equal(0, await data.ScalarAsync<int>("SELECT count(*)::int FROM impact.journey_rules WHERE company_id = @company", new { company }));
        Assert.Equal(0, await data.ScalarAsync<int>("SELECT count(*)::int FROM impact.audit_log WHERE action LIKE 'journey.%'"));
    }

    [Fact]
    public async Task ARuleIsCreatedAuditedEvaluatedAndInvisibleToAnotherCompany()
    {
        await using var app = await TestApp.StartAsync();
        var data = new JourneyData(app.Database.DataSource);
        var a = await data.CompanyAsync("A");
        var b = await data.CompanyAsync("B");
        var adminA = TestTokens.Admin(a, "admin-a");
        var adminB = TestTokens.Admin(b, "admin-b");
        var volunteerA = await data.UserAsync("volunteer", a);
        var rules = app.Function<JourneyRules>();
        var users = app.Function<JourneyUsers>();

        var created = await app.Services.CallAsync(Request("POST", "/v1/journeys/rules", adminA, GoodRule, "application/yaml"),
            r => rules.JourneyCreateRule(r, CancellationToken.None));
        Assert.Equal(201, created.Status);
        Assert.Equal("company", created.Json.GetProperty("scope").GetString());
        Assert.Equal("/v1/journeys/rules/quiet_volunteer", created.Headers.Location.ToString());
        var again = await app.Services.CallAsync(Request("POST", "/v1/journeys/rules", adminA, GoodRule, "application/yaml"),
            r => rules.JourneyCreateRule(r, CancellationToken.None));
        Assert.Equal(409, again.Status);

        // A's list holds its rule next to the three defaults; B's only the defaults; B cannot read, change or delete A's rule.
        var listA = await app.Services.CallAsync(Request("GET", "/v1/journeys/rules", adminA), r => rules.JourneyListRules(r, CancellationToken.None));
        var listB = await app.Services.CallAsync(Request("GET", "/v1/journeys/rules", adminB), r => rules.JourneyListRules(r, CancellationToken.None));
        Assert.Equal(["followup_needed", "language_support_needed", "mentor_ready", "quiet_volunteer"],
            listA.Json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).Order());
        Assert.Equal(["followup_needed", "language_support_needed", "mentor_ready"],
            listB.Json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("id").GetString()).Order());
        var getB = await app.Services.CallAsync(Request("GET", "/v1/journeys/rules/quiet_volunteer", adminB),
            r => rules.JourneyGetRule(r, "quiet_volunteer", CancellationToken.None));
        var deleteB = await app.Services.CallAsync(Request("DELETE", "/v1/journeys/rules/quiet_volunteer", adminB),
            r => rules.JourneyDeleteRule(r, "quiet_volunteer", CancellationToken.None));
        Assert.Equal(404, getB.Status);
        Assert.Equal(404, deleteB.Status);

        // Evaluating A's volunteer on demand applies A's rule; B's administrator asking for A's user gets a 404, as for an unknown id.
        var evaluated = await app.Services.CallAsync(Request("POST", $"/v1/journeys/users/{volunteerA}/evaluate", adminA),
            r => users.JourneyEvaluateUser(r, volunteerA.ToString(), CancellationToken.None));
        Assert.Equal(200, evaluated.Status);
        Assert.Equal(["quiet_volunteer"], evaluated.Json.GetProperty("flags").EnumerateArray().Select(f => f.GetProperty("flag").GetString()));
        foreach (var (path, call) in new (string, Func<HttpRequest, Task<Microsoft.AspNetCore.Mvc.IActionResult>>)[]
                 {
                     ($"/v1/journeys/users/{volunteerA}/flags", r => users.JourneyUserFlags(r, volunteerA.ToString(), CancellationToken.None)),
                     ($"/v1/journeys/users/{volunteerA}/history", r => users.JourneyUserFlagHistory(r, volunteerA.ToString(), CancellationToken.None)),
                     ($"/v1/journeys/users/{volunteerA}/milestones", r => users.JourneyUserMilestones(r, volunteerA.ToString(), CancellationToken.None)),
                     ($"/v1/journeys/users/{volunteerA}/evaluate", r => users.JourneyEvaluateUser(r, volunteerA.ToString(), CancellationToken.None)),
                 })
        {
            var method = path.EndsWith("evaluate", StringComparison.Ordinal) ? "POST" : "GET";
            var theirs = await app.Services.CallAsync(Request(method, path, adminB), call);
            Assert.True(theirs.Status == 404, $"{path}: {theirs.Status}");
            Assert.Equal("application/problem+json", theirs.ContentType);
        }

        var history = await app.Services.CallAsync(Request("GET", $"/v1/journeys/users/{volunteerA}/history", adminA),
            r => users.JourneyUserFlagHistory(r, volunteerA.ToString(), CancellationToken.None));
        Assert.Equal("set", Assert.Single(history.Json.GetProperty("items").EnumerateArray()).GetProperty("change").GetString());

        // Deactivating a default makes A's own inactive copy; deleting A's rule is audited; B changed nothing.
        var deactivated = await app.Services.CallAsync(Request("POST", "/v1/journeys/rules/mentor_ready/deactivate", adminA),
            r => rules.JourneyDeactivateRule(r, "mentor_ready", CancellationToken.None));
        Assert.False(deactivated.Json.GetProperty("rule").GetProperty("active").GetBoolean());
        Assert.Equal("company", deactivated.Json.GetProperty("scope").GetString());
        var deleted = await app.Services.CallAsync(Request("DELETE", "/v1/journeys/rules/quiet_volunteer", adminA),
            r => rules.JourneyDeleteRule(r, "quiet_volunteer", CancellationToken.None));
        Assert.Equal(204, deleted.Status);
        Assert.Equal(["admin-a journey.rule.created journey_rule:quiet_volunteer", "admin-a journey.rule.saved journey_rule:mentor_ready",
                "admin-a journey.rule.deleted journey_rule:quiet_volunteer"],
            await data.QueryAsync<string>("SELECT performed_by || ' ' || action || ' ' || subject FROM impact.audit_log WHERE action LIKE 'journey.%' ORDER BY id"));
    }

    [Fact]
    public async Task OtherRolesAndMalformedIdsGetProblems()
    {
        await using var app = await TestApp.StartAsync();
        var data = new JourneyData(app.Database.DataSource);
        var company = await data.CompanyAsync();
        var reviewer = TestTokens.LocalToken(new TokenClaims("rev-1", company, [Roles.Reviewer]));
        var rules = app.Function<JourneyRules>();
        var users = app.Function<JourneyUsers>();

        var forbidden = await app.Services.CallAsync(Request("GET", "/v1/journeys/rules", reviewer), r => rules.JourneyListRules(r, CancellationToken.None));
        var anonymous = await app.Services.CallAsync(HttpInvoker.Request("GET", "/v1/journeys/rules"), r => rules.JourneyListRules(r, CancellationToken.None));
        var badUser = await app.Services.CallAsync(Request("GET", "/v1/journeys/users/not-a-guid/flags", TestTokens.Admin(company)),
            r => users.JourneyUserFlags(r, "not-a-guid", CancellationToken.None));
        var badRule = await app.Services.CallAsync(Request("GET", "/v1/journeys/rules/Not%20A%20Rule", TestTokens.Admin(company)),
            r => rules.JourneyGetRule(r, "Not A Rule", CancellationToken.None));

        Assert.Equal(403, forbidden.Status);
        Assert.Equal(401, anonymous.Status);
        Assert.Equal(404, badUser.Status);
        Assert.Equal(404, badRule.Status);
        Assert.All([forbidden, anonymous, badUser, badRule], r => Assert.Equal("application/problem+json", r.ContentType));
    }

    private static HttpRequest Request(string method, string path, string token, string? body = null, string contentType = "application/yaml") =>
        HttpInvoker.Request(method, path, body is null ? null : Encoding.UTF8.GetBytes(body), body is null ? null : contentType,
            new Dictionary<string, string> { ["Authorization"] = TestTokens.Bearer(token) });
}
