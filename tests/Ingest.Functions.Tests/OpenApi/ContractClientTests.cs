using System.Text;
using System.Text.Json;
using Impact.Client;
using Impact.Client.Models;
using Impact.Ingest.OpenApi;
using Impact.Ingest.Tests.ImpactIn;
using Impact.Ingest.Tests.Privacy;
using Impact.Shared.Security;
using Impact.Shared.Webhooks;
using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;
using Impact.TestSupport.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Kiota.Abstractions.Authentication;
using Microsoft.Kiota.Abstractions.Serialization;
using Microsoft.Kiota.Http.HttpClientLibrary;
using Microsoft.Kiota.Serialization.Json;

namespace Impact.Ingest.Tests.OpenApi;

/// <summary>
/// The generated Kiota client against the app, in process (<see cref="InProcessFunctions"/>), over a real PostgreSQL and
/// Azurite and the durable test host: every route of the document is called, and every answer is checked against the
/// documented statuses and schemas (<see cref="DocumentedAnswers"/>). Only the Impact-In partner is a local Kestrel fake.
/// </summary>
public sealed class ContractClientTests
{
    [Fact]
    public async Task TheGeneratedClientCallsEveryRouteAndGetsTheDocumentedStatusesAndShapes()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        var queue = TestStorage.UniqueName("contract");
        await TestStorage.Queues().GetQueueClient(queue).CreateIfNotExistsAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner, new Dictionary<string, string?>
        {
            ["WebhookQueueName"] = queue,
            ["Webhooks:Kintell:Secrets"] = TestApp.KintellSecret,
        });
        var people = await PrivacyTestData.SeedAsync(db.DataSource);
        var company = people.CompanyId;
        var admin = TestTokens.Admin(company, "contract-admin");
        var alice = TestTokens.LocalToken(new TokenClaims("alice", company, [Roles.PrivacyOfficer]));
        var bob = TestTokens.LocalToken(new TokenClaims("bob", company, [Roles.PrivacyOfficer]));

        var app = new InProcessFunctions(host.Services, host.Client);
        var caller = new Caller(app);
        var client = caller.Client;

        // The document itself, anonymously.
        caller.Token = null;
        var served = await client.V1.OpenapiJson.GetAsync();
        Assert.IsType<UntypedObject>(served);

        // Partner webhook: signed by the partner's HTTP client; unsigned is the 401 problem.
        var webhook = new Signer(app, TestApp.KintellSecret);
        var partnerClient = new ImpactApiClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: new HttpClient(webhook)));
        var session = Json(JsonSerializer.Serialize(Webhooks.Kintell.Session("contract-s1")));
        webhook.DeliveryId = "contract-d1";
        var accepted = await partnerClient.V1.Webhooks.Kintell["session-completed"].PostAsync(session);
        Assert.Equal(WebhookDeliveryStatus.Queued, accepted!.Status);
        var duplicate = await partnerClient.V1.Webhooks.Kintell["session-completed"].PostAsync(session);
        Assert.Equal(Impact.Shared.Webhooks.WebhookAccepted.Duplicate, duplicate!.Status);
        var unsigned = await Assert.ThrowsAsync<Problem>(() => client.V1.Webhooks.Kintell["session-completed"].PostAsync(session));
        Assert.Equal(401, unsigned.ResponseStatusCode);
        Assert.False(string.IsNullOrWhiteSpace(unsigned.Title));
        Assert.False(string.IsNullOrWhiteSpace(unsigned.Detail));

        // Dead letters (operator): list; replay and discard of an unknown delivery are the 404 problem; a bad `since` the 400.
        caller.Token = ImpactInApi.OperatorToken;
        var dlq = await client.V1.Webhooks.Dlq.GetAsync(c => c.QueryParameters.Limit = 10);
        Assert.Equal(0, dlq!.Stats!.Total);
        var unknown = await Assert.ThrowsAsync<Problem>(() => client.V1.Webhooks.Dlq["no-such-delivery"].Replay.PostAsync());
        Assert.Equal(404, unknown.ResponseStatusCode);
        Assert.Equal(404, (await Assert.ThrowsAsync<Problem>(() => client.V1.Webhooks.Dlq["no-such-delivery"].DeleteAsync(c => c.QueryParameters.Reason = "test"))).ResponseStatusCode);
        var badLimit = await Assert.ThrowsAsync<Problem>(() => client.V1.Webhooks.Dlq.GetAsync(c => c.QueryParameters.Limit = 9999));
        Assert.Equal(400, badLimit.ResponseStatusCode);
        Assert.True(badLimit.Errors!.AdditionalData.ContainsKey("limit"));
        var replayed = await client.V1.Webhooks.Dlq.Replay.PostAsync(c => c.QueryParameters.Since = DateTimeOffset.UtcNow.AddHours(-1));
        Assert.Equal(0, replayed!.Queued);

        // CSV backfill (company administrator): upload, follow to completion, errors file, pause/resume of a finished job are 409.
        caller.Token = admin;
        var csv = Encoding.UTF8.GetBytes(
            "session_id,session_type,participant_email,volunteer_email,date,duration_min,rating,feedback_text,language_level\n"
            + "contract-b1,language,p1@example.org,v1@example.org,2026-11-01T10:00:00Z,45,5,,B1\n"
            + "contract-b2,language,not-an-email,v1@example.org,2026-11-01T10:00:00Z,45,5,,B1\n");
        var started = await client.V1.Imports.KintellSessions.PostAsync(new MemoryStream(csv), c =>
        {
            c.QueryParameters.FileName = "contract.csv";
            c.Headers.Add("Content-Type", "text/csv");
        });
        var jobId = started!.JobId!.Value.ToString();
        var job = await UntilAsync(() => client.V1.Imports[jobId].GetAsync(), j => j?.Status is "completed" or "failed");
        Assert.Equal("completed", job!.Status);
        Assert.Equal(1, job.FailedRows);
        using (var errors = await client.V1.Imports[jobId].Errors.GetAsync())
        {
            Assert.Contains("contract-b2", await new StreamReader(errors!).ReadToEndAsync());
        }

        Assert.Equal(409, (await Assert.ThrowsAsync<Problem>(() => client.V1.Imports[jobId].Pause.PostAsync())).ResponseStatusCode);
        var users = Encoding.UTF8.GetBytes("Email,Name,Linkedin_URL,Verification_status,Role when joined,grant_access,Joined_kg_at\n"
            + "mentor@example.org,Mia Mentor,,verified,mentor,true,2026-01-01\n");
        Assert.Equal("kintell-users", (await client.V1.Imports.KintellUsers.PostAsync(new MemoryStream(users), c => c.Headers.Add("Content-Type", "text/csv")))!.Kind);
        Assert.Equal(409, (await Assert.ThrowsAsync<Problem>(() => client.V1.Imports[jobId].Resume.PostAsync())).ResponseStatusCode);

        // Privacy (two officers): export and read it, erasure requested by alice, her own approval is 403, bob rejects.
        caller.Token = alice;
        var export = await client.V1.Privacy.Exports.PostAsync(new ExportRequestBody { UserId = people.SubjectId });
        Assert.Equal("alice", export!.RequestedBy);
        var read = await client.V1.Privacy.Requests[export.Id!.Value.ToString()].GetAsync();
        Assert.Equal(export.Id, read!.Id);
        var deletion = await client.V1.Privacy.Deletions.PostAsync(new DeletionRequestBody { UserId = people.SubjectId });
        var own = await Assert.ThrowsAsync<Problem>(() => client.V1.Privacy.Deletions[deletion!.Id!.Value.ToString()].Approve.PostAsync());
        Assert.Equal(403, own.ResponseStatusCode);
        caller.Token = bob;
        var rejected = await client.V1.Privacy.Deletions[deletion!.Id!.Value.ToString()].Reject.PostAsync();
        Assert.Equal("bob", rejected!.RejectedBy);
        Assert.Equal(409, (await Assert.ThrowsAsync<Problem>(() => client.V1.Privacy.Deletions[deletion.Id!.Value.ToString()].Approve.PostAsync())).ResponseStatusCode);

        // Impact-In (company administrator, then operator).
        caller.Token = admin;
        var schedule = await client.V1.ImpactIn.Schedules.PostAsync(new CreateScheduleRequest { Platform = "goodera", Schedule = "monthly", TimeZone = "UTC" });
        var scheduleId = schedule!.Id!.Value.ToString();
        Assert.Single((await client.V1.ImpactIn.Schedules.GetAsync())!.Items!);
        Assert.Equal("goodera", (await client.V1.ImpactIn.Schedules[scheduleId].GetAsync())!.Platform);
        Assert.Equal("0 0 1 1,4,7,10 *", (await client.V1.ImpactIn.Schedules[scheduleId].PatchAsync(new UpdateScheduleRequest { Schedule = "quarterly" }))!.CronExpression);
        Assert.Equal(schedule.Id, (await client.V1.ImpactIn.Schedules[scheduleId].Preview.GetAsync())!.ScheduleId);
        var delivery = await client.V1.ImpactIn.Schedules[scheduleId].RunNow.PostAsync();
        var deliveryId = delivery!.Id!.Value.ToString();
        await UntilAsync(() => client.V1.ImpactIn.Deliveries[deliveryId].GetAsync(), d => d?.Delivery?.Status is "succeeded" or "failed");
        Assert.Single((await client.V1.ImpactIn.Deliveries.GetAsync(c => c.QueryParameters.Limit = 10))!.Items!);
        Assert.Equal(409, (await Assert.ThrowsAsync<Problem>(() => client.V1.ImpactIn.Deliveries[deliveryId].Replay.PostAsync())).ResponseStatusCode);
        Assert.NotEmpty((await client.V1.ImpactIn.Stats.GetAsync())!.Platforms!);
        caller.Token = ImpactInApi.OperatorToken;
        var bulk = await client.V1.ImpactIn.Deliveries.BulkReplay.PostAsync(new BulkReplayRequest { Ids = [delivery.Id!.Value] });
        Assert.Equal(0, bulk!.Queued);
        Assert.Equal(0, (await client.V1.ImpactIn.Deliveries.RetryAllFailed.PostAsync(c => c.QueryParameters.CompanyId = company))!.Queued);
        caller.Token = admin;
        await client.V1.ImpactIn.Schedules[scheduleId].DeleteAsync();
        Assert.Empty((await client.V1.ImpactIn.Schedules.GetAsync())!.Items!);

        // Journeys (company administrator): a rule as YAML, replaced as JSON, switched off and on, deleted; a seeded user evaluated.
        caller.Token = admin;
        const string rule = """
            id: contract_quiet
            name: Contract quiet volunteer
            priority: 10
            conditions:
              - type: count
                source: sessions
                op: "<"
                value: 1
            actions:
              - type: set_flag
                flag: contract_quiet
            """;
        var created = await client.V1.Journeys.Rules.PostAsync(new MemoryStream(Encoding.UTF8.GetBytes(rule)),
            c => c.Headers.Add("Content-Type", "application/yaml"));
        Assert.Equal("contract_quiet", created!.Id);
        Assert.Equal(409, (await Assert.ThrowsAsync<Problem>(() => client.V1.Journeys.Rules.PostAsync(new MemoryStream(Encoding.UTF8.GetBytes(rule)),
            c => c.Headers.Add("Content-Type", "application/yaml")))).ResponseStatusCode);
        Assert.Contains((await client.V1.Journeys.Rules.GetAsync())!.Items!, r => r.Id == "contract_quiet");
        Assert.Equal("company", (await client.V1.Journeys.Rules["contract_quiet"].GetAsync())!.Scope);
        var replaced = await client.V1.Journeys.Rules["contract_quiet"].PutAsync(new MemoryStream(Encoding.UTF8.GetBytes(
            """{"id": "contract_quiet", "name": "Contract quiet volunteer", "priority": 20, "conditions": [{"type": "count", "source": "sessions", "op": "<", "value": 1}], "actions": [{"type": "set_flag", "flag": "contract_quiet"}]}""")),
            c => c.Headers.Add("Content-Type", "application/json"));
        Assert.Equal("contract_quiet", replaced!.Id);
        Assert.NotNull(await client.V1.Journeys.Rules["contract_quiet"].Deactivate.PostAsync());
        Assert.NotNull(await client.V1.Journeys.Rules["contract_quiet"].Activate.PostAsync());
        var subject = people.SubjectId.ToString();
        var evaluated = await client.V1.Journeys.Users[subject].Evaluate.PostAsync();
        Assert.NotNull(evaluated!.Flags);
        Assert.Equal(evaluated.Flags!.Count, (await client.V1.Journeys.Users[subject].Flags.GetAsync())!.Items!.Count);
        Assert.NotNull((await client.V1.Journeys.Users[subject].History.GetAsync(c => c.QueryParameters.Limit = 10))!.Items);
        Assert.NotNull((await client.V1.Journeys.Users[subject].Milestones.GetAsync())!.Items);
        Assert.Equal(404, (await Assert.ThrowsAsync<Problem>(() => client.V1.Journeys.Users[Guid.NewGuid().ToString()].Flags.GetAsync())).ResponseStatusCode);
        await client.V1.Journeys.Rules["contract_quiet"].DeleteAsync();
        Assert.DoesNotContain((await client.V1.Journeys.Rules.GetAsync())!.Items!, r => r.Id == "contract_quiet" && r.Scope == "company");

        // Cohorts (company administrator): created, read, changed, measured (nothing refreshed yet: empty periods), compared, ranked, deleted.
        var cohort = await client.V1.Cohorts.PostAsync(new CreateCohortRequest
        {
            Name = "Contract learners", Filters = new CohortFilters { SessionType = "language", CefrAtStart = ["A1", "A2"] },
        });
        var cohortId = cohort!.Id!.Value.ToString();
        Assert.Contains((await client.V1.Cohorts.GetAsync())!.Items!, c => c.Id == cohort.Id);
        Assert.Equal("Contract learners", (await client.V1.Cohorts[cohortId].GetAsync())!.Name);
        Assert.Equal("Contract learners 2", (await client.V1.Cohorts[cohortId].PatchAsync(new UpdateCohortRequest { Name = "Contract learners 2" }))!.Name);
        var cohortMetrics = await client.V1.Cohorts[cohortId].Metrics.GetAsync(c =>
        {
            c.QueryParameters.Metric = "rating";
            c.QueryParameters.From = "2026-01";
            c.QueryParameters.To = "2026-03";
        });
        Assert.Equal(3, cohortMetrics!.Items!.Count);
        Assert.Equal(6, (await client.V1.Cohorts[cohortId].Trends.GetAsync(c => { c.QueryParameters.Metric = "session_hours"; c.QueryParameters.Periods = 6; }))!.Items!.Count);
        var comparison = await client.V1.Cohorts.Compare.PostAsync(new CompareCohortsRequest { CohortIds = [cohort.Id!.Value], Metric = "confidence", Period = "2026-Q1" });
        Assert.Equal(0, comparison!.Items![0].Values!.N);
        Assert.NotNull((await client.V1.Cohorts.Top.GetAsync(c => c.QueryParameters.Metric = "rating"))!.Items);
        await client.V1.Cohorts[cohortId].DeleteAsync();
        Assert.Equal(404, (await Assert.ThrowsAsync<Problem>(() => client.V1.Cohorts[cohortId].GetAsync())).ResponseStatusCode);

        // Upload link (company administrator): a link, the CSV uploaded to its SAS URL in Azurite, the import started from the blob.
        var link = await client.V1.Imports.Uploads.PostAsync();
        Assert.Equal("/v1/imports/from-upload", link!.StartUrl);
        var uploaded = Encoding.UTF8.GetBytes(
            "session_id,session_type,participant_email,volunteer_email,date,duration_min,rating,feedback_text,language_level\n"
            + "contract-u1,language,p1@example.org,v1@example.org,2026-11-02T10:00:00Z,30,4,,B1\n");
        await new Azure.Storage.Blobs.BlobClient(new Uri(link.UploadUrl!)).UploadAsync(BinaryData.FromBytes(uploaded));
        var fromUpload = await client.V1.Imports.FromUpload.PostAsync(new ImportFromUploadRequest
        {
            Kind = "kintell-sessions", BlobName = link.BlobName, FileName = "contract-upload.csv",
        });
        var uploadJob = await UntilAsync(() => client.V1.Imports[fromUpload!.JobId!.Value.ToString()].GetAsync(), j => j?.Status is "completed" or "failed");
        Assert.Equal("completed", uploadJob!.Status);

        // Texts (company administrator): one free text into the feedback pipeline.
        var text = await client.V1.Texts.PostAsync(new TextRequest
        {
            ContentId = "contract-text-1", ContentType = "checkin_note", UserId = subject, Text = "The mentor helped me prepare for the interview.",
        });
        Assert.Equal("contract-text-1", text!.ContentId);

        // Safety review (reviewer of the company): the queue and its stats; an unknown item and its decision are the 404 problem.
        caller.Token = TestTokens.LocalToken(new TokenClaims("rev", company, [Roles.Reviewer]));
        Assert.NotNull((await client.V1.Safety.Queue.GetAsync(c => { c.QueryParameters.Status = "pending"; c.QueryParameters.Limit = 10; }))!.Items);
        Assert.NotNull(await client.V1.Safety.Stats.GetAsync());
        var unknownItem = Guid.NewGuid().ToString();
        Assert.Equal(404, (await Assert.ThrowsAsync<Problem>(() => client.V1.Safety.Queue[unknownItem].GetAsync())).ResponseStatusCode);
        Assert.Equal(404, (await Assert.ThrowsAsync<Problem>(() => client.V1.Safety.Queue[unknownItem].Decision.PostAsync(
            new DecisionRequest { Decision = "approve", Notes = "contract" }))).ResponseStatusCode);

        // Model registry (operator): the models of models.yaml, and the embedded classifier activated.
        caller.Token = ImpactInApi.OperatorToken;
        await host.Services.GetRequiredService<Impact.Shared.Feedback.Models.ModelRegistry>().SyncAsync(
            Impact.Shared.Feedback.Models.ModelsFile.Parse(await File.ReadAllTextAsync(Path.Combine(LocalServices.RepositoryRoot, "models.yaml"))));
        Assert.Contains((await client.V1.Models.GetAsync())!.Items!, m => m.Id == "embedded-q2q-v1");
        Assert.Equal("embedded-q2q-v1", (await client.V1.Models["embedded-q2q-v1"].Activate.PostAsync(new ActivateRequest()))!.Id);

        // Q2Q evaluation (operator): the embedded model over the held-out split, listed and read back; drift checks run and read.
        var evaluation = (await client.V1.Models["embedded-q2q-v1"].Evaluations.PostAsync(new EvaluationRequest()))!;
        Assert.Equal("held-out", evaluation.Run!.SetName);
        Assert.Contains((await client.V1.Models["embedded-q2q-v1"].Evaluations.GetAsync(c => c.QueryParameters.Limit = 10))!.Items!, r => r.Id == evaluation.Run.Id);
        Assert.Contains("Fairness gap", (await client.V1.Models["embedded-q2q-v1"].Evaluations[evaluation.Run.Id!.Value.ToString()].GetAsync())!.Markdown, StringComparison.Ordinal);
        Assert.Equal(404, (await Assert.ThrowsAsync<Problem>(() => client.V1.Models["no-such-model"].Evaluations.PostAsync(new EvaluationRequest()))).ResponseStatusCode);
        Assert.NotNull((await client.V1.Q2q.DriftChecks.Run.PostAsync(new DriftRunRequest()))!.Items);
        Assert.NotNull((await client.V1.Q2q.DriftChecks.GetAsync(c => c.QueryParameters.Limit = 10))!.Items);

        // AI budget (operator sets it, the company administrator reads it) and a synchronous classification (the embedded model: free).
        Assert.Equal(5, (await client.V1.Companies[company.ToString()].AiBudget.PutAsync(new AiBudgetRequest { MonthlyBudgetUsd = 5 }))!.MonthlyBudgetUsd);
        caller.Token = admin;
        Assert.Equal("company", (await client.V1.Companies[company.ToString()].AiBudget.GetAsync())!.BudgetSource);
        var classified = await client.V1.Q2q.Classify.PostAsync(new ClassifyRequest { Text = "The mentor helped me prepare for the interview." });
        Assert.Equal(("classified", "embedded-q2q-v1"), (classified!.Status, classified.ModelId));

        // Every operation of the document was called, and every answer is as documented.
        var document = JsonDocument.Parse(ApiDocument.Json).RootElement;
        var answers = new DocumentedAnswers(document);
        var operations = document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .Select(o => o.Value.GetProperty("operationId").GetString()!).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(operations, app.Exchanges.Select(e => e.Function).Distinct().Order(StringComparer.Ordinal).ToList());
        Assert.Empty(app.Exchanges.SelectMany(answers.Check));
        Assert.Contains(app.Exchanges, e => e.Status == 400);
        Assert.Contains(app.Exchanges, e => e.Status == 401);
        Assert.Contains(app.Exchanges, e => e.Status == 404);
    }

    private static async Task<T> UntilAsync<T>(Func<Task<T>> read, Func<T, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var value = await read();
            if (done(value) || DateTime.UtcNow > deadline)
            {
                return value;
            }

            await Task.Delay(200);
        }
    }

    private static UntypedNode Json(string json) =>
        new JsonParseNode(JsonDocument.Parse(json).RootElement).GetObjectValue(UntypedNode.CreateFromDiscriminatorValue)!;

    /// <summary>The Kiota client with a bearer token of the test's choosing on every request (none when null).</summary>
    private sealed class Caller : DelegatingHandler
    {
        public Caller(HttpMessageHandler inner) : base(inner) =>
            Client = new ImpactApiClient(new HttpClientRequestAdapter(new AnonymousAuthenticationProvider(), httpClient: new HttpClient(this)));

        public ImpactApiClient Client { get; }

        public string? Token { get; set; }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            if (Token is not null)
            {
                request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", Token);
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    /// <summary>What a partner's HTTP client does: signs the exact body bytes it sends with Kintell's scheme.</summary>
    private sealed class Signer(HttpMessageHandler inner, string secret) : DelegatingHandler(inner)
    {
        public string DeliveryId { get; set; } = "";

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var body = await request.Content!.ReadAsByteArrayAsync(cancellationToken);
            request.Headers.Add(WebhookSignature.KintellHeader,
                WebhookSignature.SignKintell(WebhookSignature.KeyOf(secret), DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body));
            request.Headers.Add(WebhookSignature.KintellDeliveryIdHeader, DeliveryId);
            return await base.SendAsync(request, cancellationToken);
        }
    }
}
