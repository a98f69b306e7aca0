using System.Net;
using System.Text;
using Impact.TestSupport;
using Impact.TestSupport.Security;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Impact.Ingest.Tests.Backfill;

/// <summary>
/// The direct upload's limit as a caller meets it over real HTTP: the function behind a real Kestrel (the server the
/// worker's ASP.NET Core integration runs, with its 30,000,000-byte default), bodies streamed by a real client.
/// </summary>
public sealed class BackfillDirectUploadLimitTests
{
    private const long Limit = 35_000_000; // above Kestrel's default, so the test also shows the default was raised

    [Fact]
    public async Task ABodyOverTheDirectUploadLimitGets413ProblemJsonNever500AndOneUnderItIsRead()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(1_000, ("Backfill:MaxDirectUploadBytes", Limit.ToString(System.Globalization.CultureInfo.InvariantCulture))));
        var port = FreePort.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel().UseUrls($"http://127.0.0.1:{port}");
        await using var server = builder.Build();
        // ASP0016 mistakes the function call inside (which returns an IActionResult the invoker executes) for the handler's result.
#pragma warning disable ASP0016
        server.MapPost("/v1/imports/kintell-sessions", (RequestDelegate)(async context =>
        {
            var body = context.Response.Body;
            var response = await app.Services.CallAsync(context.Request, r => app.Functions.ImportKintellSessions(r, app.Client, context.RequestAborted));
            context.Response.Body = body;
            context.Response.StatusCode = response.Status;
            context.Response.ContentType = response.ContentType;
            await context.Response.Body.WriteAsync(response.BodyBytes);
        }));
#pragma warning restore ASP0016
        await server.StartAsync();
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromMinutes(2) };

        async Task<(HttpStatusCode Status, string? Type, string Body)> PostAsync(long bytes, bool chunked, string header)
        {
            var content = new StreamContent(new GeneratedCsv(bytes, header));
            content.Headers.ContentType = new System.Net.Http.Headers.MediaTypeHeaderValue("text/csv");
            if (!chunked)
            {
                content.Headers.ContentLength = bytes;
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, "/v1/imports/kintell-sessions") { Content = content };
            request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", app.Admin);
            request.Headers.TransferEncodingChunked = chunked;
            using var response = await http.SendAsync(request);
            return (response.StatusCode, response.Content.Headers.ContentType?.MediaType, await response.Content.ReadAsStringAsync());
        }

        var sessionsHeader = Impact.TestSupport.Backfill.KintellSessionsCsv.Header;
        // Just over the limit, so the server can read the rest of the body after answering and the client sees the answer
        // (far larger bodies get the same 413, then the connection is closed without reading what is left).
        var overChunked = await PostAsync(Limit + 500_000, chunked: true, sessionsHeader);
        var overDeclared = await PostAsync(Limit + 1, chunked: false, sessionsHeader);
        // 31 MB is past Kestrel's default but under our limit: read to the end (a header without duration_min is the 400).
        var under = await PostAsync(31_000_000, chunked: true, sessionsHeader.Replace(",duration_min", "", StringComparison.Ordinal));

        foreach (var over in new[] { overChunked, overDeclared })
        {
            Assert.True(over.Status == HttpStatusCode.RequestEntityTooLarge, $"{over.Status} {over.Body}");
            Assert.Equal("application/problem+json", over.Type);
            Assert.Contains($"at most {Limit} bytes", over.Body, StringComparison.Ordinal);
            Assert.Contains("/v1/imports/uploads", over.Body, StringComparison.Ordinal);
        }

        Assert.True(under.Status == HttpStatusCode.BadRequest, $"{under.Status} {under.Body}");
        Assert.Contains("duration_min", under.Body, StringComparison.Ordinal);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM impact.backfill_jobs"));
    }

    /// <summary>A CSV body of a given size, generated while it is sent (never in memory).</summary>
    private sealed class GeneratedCsv(long length, string header) : Stream
    {
        private readonly byte[] headerBytes = Encoding.UTF8.GetBytes(header + "\n");
        private readonly byte[] row = Encoding.UTF8.GetBytes("S1,Language practice,p@example.org,v@acme.example,2025-01-01,45,4,Fine,B1\n");
        private long position;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => length;
        public override long Position { get => position; set => throw new NotSupportedException(); }

        public override int Read(byte[] buffer, int offset, int count)
        {
            var n = (int)Math.Min(count, length - position);
            for (var i = 0; i < n; i++, position++)
            {
                buffer[offset + i] = position < headerBytes.Length ? headerBytes[position] : row[(position - headerBytes.Length) % row.Length];
            }

            return n;
        }

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
