using System.Collections.Concurrent;
using Impact.Ingest.Http;
using Impact.Ingest.Webhooks;
using Impact.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Tests.Webhooks;

/// <summary>How the front door fails: what the partner gets and what the operator's log says.</summary>
public sealed class WebhookFaultTests
{
    // Runs the function and, when it throws, the app's problem middleware step with a recording logger.
    private static async Task<TestResponse> ReceiveAsync(TestApp app, HttpRequest request, RecordingLogger<ProblemDetailsMiddleware> log)
    {
        var middleware = new ProblemDetailsMiddleware(log);
        var function = app.Function<KintellWebhook>();
        IActionResult? result = null;
        try
        {
            result = await function.ReceiveKintellWebhook(request, "session-completed", CancellationToken.None);
        }
        catch (Exception e)
        {
            await middleware.WriteProblemAsync(request.HttpContext, e, nameof(KintellWebhook.ReceiveKintellWebhook));
        }

        if (result is not null)
        {
            await result.ExecuteResultAsync(new ActionContext { HttpContext = request.HttpContext });
        }

        var response = request.HttpContext.Response;
        return new TestResponse(response.StatusCode, response.ContentType, response.Headers, ((MemoryStream)response.Body).ToArray());
    }

    [Fact]
    public async Task AMalformedJsonBodyIsA400AndAWarningWithoutStackTraceOrBodyNotAnError()
    {
        await using var app = await TestApp.StartAsync();
        var log = new RecordingLogger<ProblemDetailsMiddleware>();

        var response = await ReceiveAsync(app, Kintell.Signed("session-completed", "d-bad", "{\"session_id\": \"secret-value\","u8.ToArray()), log);

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error);
        var warning = Assert.Single(log.Entries);
        Assert.Equal(LogLevel.Warning, warning.Level);
        Assert.Null(warning.Exception);
        Assert.DoesNotContain("secret-value", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WhenTheDatabaseIsUnreachableTheWebhookAnswers503WithRetryAfterAndQueuesNothing()
    {
        // A port nothing listens on: every connection attempt is refused, as during a database outage.
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Postgres:ConnectionString"] = $"Host=127.0.0.1;Port={FreePort.Next()};Username=postgres;Database=impact;Timeout=2",
        });
        var log = new RecordingLogger<ProblemDetailsMiddleware>();

        var response = await ReceiveAsync(app, Kintell.Signed("session-completed", "d-outage", Kintell.Json(Kintell.Session("s-outage"))), log);

        Assert.Equal(503, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal("5", response.Headers.RetryAfter.ToString());
        Assert.Contains("nothing was recorded", response.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Null((await app.Queue.PeekMessageAsync()).Value);
        Assert.DoesNotContain(log.Entries, e => e.Level >= LogLevel.Error);
    }

    private sealed record Entry(LogLevel Level, string Message, Exception? Exception);

    private sealed class RecordingLogger<T> : ILogger<T>
    {
        private readonly ConcurrentQueue<Entry> entries = new();

        public IReadOnlyList<Entry> Entries => entries.ToArray();

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            entries.Enqueue(new Entry(logLevel, formatter(state, exception), exception));
    }
}
