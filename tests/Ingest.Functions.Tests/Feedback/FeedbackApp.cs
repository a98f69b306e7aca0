using Azure.Storage.Queues;
using Dapper;
using Impact.Ingest.Feedback;
using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Llm;
using Impact.Shared.Feedback.Pipeline;
using Impact.Shared.Security;
using Impact.TestSupport;
using Impact.TestSupport.Feedback;
using Impact.TestSupport.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Tests.Feedback;

/// <summary>
/// The app with the feedback pipeline over a test database and queues of its own. The screener, language detector and
/// embedded classifier are test doubles (their real implementations are other branches' work); LLM providers get a
/// <see cref="ScriptedChatClient"/> at the <c>IChatClient</c> boundary. Everything else — PostgreSQL, Azurite queues,
/// the processor, stores and functions — is the real thing.
/// </summary>
public sealed class FeedbackApp : IAsyncDisposable
{
    private FeedbackApp(TestApp app, MarkerScreener screener, RecordingClassifier classifier, ScriptedChatClient chat)
    {
        App = app;
        Screener = screener;
        Classifier = classifier;
        Chat = chat;
        var name = app.Service<IOptions<TextQueueOptions>>().Value.TextQueueName;
        TextQueue = TestStorage.Queues().GetQueueClient(name);
        TextPoisonQueue = TestStorage.Queues().GetQueueClient(name + "-poison");
    }

    public TestApp App { get; }

    public MarkerScreener Screener { get; }

    public RecordingClassifier Classifier { get; }

    public ScriptedChatClient Chat { get; }

    public QueueClient TextQueue { get; }

    public QueueClient TextPoisonQueue { get; }

    /// <summary>Starts the app; with <paramref name="sharedDatabase"/> it is a second instance over another app's database.</summary>
    public static async Task<FeedbackApp> StartAsync(IDictionary<string, string?>? settings = null, Action<IServiceCollection>? services = null,
        TestDatabase? sharedDatabase = null)
    {
        var screener = new MarkerScreener();
        var classifier = new RecordingClassifier();
        var chat = new ScriptedChatClient();
        var app = await TestApp.StartAsync(settings, s =>
        {
            s.AddSingleton<ITextScreener>(screener);
            s.AddSingleton<ILanguageDetector>(new FixedLanguageDetector());
            s.AddSingleton<IOutcomeClassifier>(classifier);
            s.AddSingleton<IQ2QChatClients>(chat);
            services?.Invoke(s);
        }, sharedDatabase);
        var feedback = new FeedbackApp(app, screener, classifier, chat);
        await feedback.TextQueue.CreateIfNotExistsAsync();
        await feedback.TextPoisonQueue.CreateIfNotExistsAsync();
        return feedback;
    }

    /// <summary>Processes every message on the text-screening queue as the host would; returns failed handler calls.</summary>
    public Task<int> DrainTextsAsync()
    {
        var triggers = App.Function<TextPipelineTriggers>();
        return new QueueHost(TextQueue, TextPoisonQueue).DrainAsync(m => triggers.ProcessText(m, CancellationToken.None));
    }

    public async Task<Guid> CompanyAsync(string name = "Acme", string domain = "acme.example")
    {
        await using var conn = await App.Database.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<Guid>("INSERT INTO impact.companies (name, email_domain) VALUES (@name, @domain) RETURNING id", new { name, domain });
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var conn = await App.Database.DataSource.OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<T>(sql, args))!;
    }

    public async Task<List<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var conn = await App.Database.DataSource.OpenConnectionAsync();
        return [.. await conn.QueryAsync<T>(sql, args)];
    }

    public static string Admin(Guid company, string subject = "admin-1") => TestTokens.Admin(company, subject);

    public static string Reviewer(Guid company, string subject = "reviewer-1") =>
        TestTokens.LocalToken(new TokenClaims(subject, company, [Roles.Reviewer], "Rita Reviewer"));

    public static string Operator(string subject = "ops-1") => TestTokens.LocalToken(new TokenClaims(subject, null, [Roles.Operator], "Olga Ops"));

    public static HttpRequest Request(string method, string path, string token, object? body = null, string? query = null)
    {
        var headers = new Dictionary<string, string> { ["Authorization"] = TestTokens.Bearer(token) };
        var request = body is null
            ? HttpInvoker.Request(method, path, contentType: null, headers: headers, query: query)
            : HttpInvoker.JsonRequest(method, path, body, headers);
        if (body is not null && query is not null)
        {
            request.QueryString = new QueryString("?" + query);
        }

        return request;
    }

    public Task<TestResponse> CallAsync(HttpRequest request, Func<HttpRequest, Task<Microsoft.AspNetCore.Mvc.IActionResult>> function) =>
        App.Services.CallAsync(request, function);

    /// <summary>POST /v1/texts as the company's administrator.</summary>
    public Task<TestResponse> SubmitAsync(Guid company, object body) =>
        CallAsync(Request("POST", "/v1/texts", Admin(company), body), r => App.Function<FeedbackTexts>().SubmitText(r, CancellationToken.None));

    public async ValueTask DisposeAsync()
    {
        await TextPoisonQueue.DeleteIfExistsAsync();
        await App.DisposeAsync();
    }
}
