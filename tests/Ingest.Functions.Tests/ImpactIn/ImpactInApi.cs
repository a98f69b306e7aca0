using Impact.Ingest.ImpactIn;
using Impact.Shared.Security;
using Impact.TestSupport;
using Impact.TestSupport.Durable;
using Impact.TestSupport.ImpactIn;
using Impact.TestSupport.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Impact.Ingest.Tests.ImpactIn;

/// <summary>
/// The Impact-In function classes, built by the test host's DI as the worker would build them, and called
/// behind their declared access policy with a real bearer token.
/// </summary>
internal sealed class ImpactInApi(DurableTestHost host)
{
    /// <summary>The principal of <see cref="OperatorToken"/>.</summary>
    public const string OperatorPrincipal = "operator-1";

    /// <summary>A platform operator's token (no company).</summary>
    public static readonly string OperatorToken = TestTokens.LocalToken(new TokenClaims(OperatorPrincipal, null, [Roles.Operator], "Olga Operator"));

    public ImpactInSchedules Schedules { get; } = host.Function<ImpactInSchedules>();

    public ImpactInDeliveries Deliveries { get; } = host.Function<ImpactInDeliveries>();

    public ImpactInScheduler NewScheduler() => host.Function<ImpactInScheduler>();

    /// <summary>A durable test host with the Functions app's services (so <c>ApiAccess</c> is there), Impact-In pointed at <paramref name="partner"/>.</summary>
    public static Task<DurableTestHost> StartAsync(TestDatabase db, FakePartner partner, IDictionary<string, string?>? settings = null, TimeProvider? time = null) =>
        ImpactInDurable.StartAsync(db, partner, settings, time, b => b.AddFunctionsAppServices());

    /// <summary>A company administrator's token for <paramref name="company"/>.</summary>
    public static string AdminOf(Guid company, string subject = "admin-1") => TestTokens.Admin(company, subject);

    /// <summary>A request carrying <paramref name="token"/>; a JSON body when <paramref name="body"/> is given.</summary>
    public static HttpRequest Request(string method, string path, string token, object? body = null, string? query = null)
    {
        var headers = new Dictionary<string, string> { ["Authorization"] = TestTokens.Bearer(token) };
        if (body is null)
        {
            return HttpInvoker.Request(method, path, contentType: null, headers: headers, query: query);
        }

        var request = HttpInvoker.JsonRequest(method, path, body, headers);
        if (query is not null)
        {
            request.QueryString = new QueryString(query.StartsWith('?') ? query : "?" + query);
        }

        return request;
    }

    /// <summary>Calls <paramref name="function"/> as the worker would: its policy first, then the function.</summary>
    public Task<TestResponse> CallAsync(HttpRequest request, Func<HttpRequest, Task<IActionResult>> function) =>
        host.Services.CallAsync(request, function);
}
