using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Impact.TestSupport.ImpactIn;

/// <summary>A request the partner received.</summary>
public sealed record ReceivedRequest(string Path, IReadOnlyDictionary<string, string> Headers, string Body, DateTimeOffset ReceivedAt)
{
    public string Header(string name) => Headers.TryGetValue(name, out var v) ? v : "";
}

/// <summary>An answer the partner gives to the next API request.</summary>
public sealed record ScriptedAnswer(int Status, string Body = """{"status":"accepted"}""", IReadOnlyDictionary<string, string>? Headers = null);

/// <summary>
/// A real HTTP server (Kestrel on 127.0.0.1, a free port) standing in for Benevity, Goodera and
/// Workday: it records every request and answers from a script (200 when the script is empty).
/// <c>POST /oauth/token</c> is an OAuth2 client-credentials endpoint that counts its calls.
/// </summary>
public sealed class FakePartner : IAsyncDisposable
{
    public const string ClientId = "impact-client";
    public const string ClientSecret = "impact-secret";
    public const string ApiKey = "goodera-key";
    public const string Tenant = "acme-tenant";

    private readonly WebApplication app;
    private readonly ConcurrentQueue<ScriptedAnswer> script = new();
    private readonly ConcurrentQueue<ReceivedRequest> received = new();
    private int tokenRequests;
    private int tokensIssued;

    private FakePartner(WebApplication app) => this.app = app;

    public Uri BaseUrl { get; private set; } = null!;

    public string TokenUrl => new Uri(BaseUrl, "oauth/token").ToString();

    public int TokenRequests => tokenRequests;

    /// <summary>API requests (token requests excluded), in arrival order.</summary>
    public IReadOnlyList<ReceivedRequest> Requests => received.ToArray();

    public static async Task<FakePartner> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var partner = new FakePartner(builder.Build());
        partner.app.Run(partner.HandleAsync);
        await partner.app.StartAsync();
        var address = partner.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        partner.BaseUrl = new Uri(address.TrimEnd('/') + "/");
        return partner;
    }

    public FakePartner Answer(params ScriptedAnswer[] answers)
    {
        foreach (var a in answers)
        {
            script.Enqueue(a);
        }

        return this;
    }

    /// <summary>The ImpactIn settings pointing every platform at this server.</summary>
    public Dictionary<string, string?> Settings() => new()
    {
        ["ImpactIn:Benevity:BaseUrl"] = new Uri(BaseUrl, "benevity/").ToString(),
        ["ImpactIn:Benevity:TokenUrl"] = TokenUrl,
        ["ImpactIn:Benevity:ClientId"] = ClientId,
        ["ImpactIn:Benevity:ClientSecret"] = ClientSecret,
        ["ImpactIn:Goodera:BaseUrl"] = new Uri(BaseUrl, "goodera/").ToString(),
        ["ImpactIn:Goodera:ApiKey"] = ApiKey,
        ["ImpactIn:Workday:BaseUrl"] = new Uri(BaseUrl, "workday/").ToString(),
        ["ImpactIn:Workday:TokenUrl"] = TokenUrl,
        ["ImpactIn:Workday:ClientId"] = ClientId,
        ["ImpactIn:Workday:ClientSecret"] = ClientSecret,
        ["ImpactIn:Workday:Tenant"] = Tenant,
    };

    private async Task HandleAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body, Encoding.UTF8);
        var body = await reader.ReadToEndAsync();
        if (context.Request.Path == "/oauth/token")
        {
            Interlocked.Increment(ref tokenRequests);
            var form = System.Web.HttpUtility.ParseQueryString(body);
            if (form["grant_type"] != "client_credentials" || form["client_id"] != ClientId || form["client_secret"] != ClientSecret)
            {
                context.Response.StatusCode = 401;
                await context.Response.WriteAsync("""{"error":"invalid_client"}""");
                return;
            }

            context.Response.ContentType = "application/json";
            await context.Response.WriteAsync($$"""{"access_token":"token-{{Interlocked.Increment(ref tokensIssued)}}","token_type":"Bearer","expires_in":3600}""");
            return;
        }

        received.Enqueue(new ReceivedRequest(context.Request.Path.Value ?? "",
            context.Request.Headers.ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase),
            body, DateTimeOffset.UtcNow));
        var answer = script.TryDequeue(out var next) ? next : new ScriptedAnswer(200);
        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers ?? new Dictionary<string, string>())
        {
            context.Response.Headers[name] = value;
        }

        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(answer.Body);
    }

    public async ValueTask DisposeAsync()
    {
        await app.StopAsync();
        await app.DisposeAsync();
    }
}
