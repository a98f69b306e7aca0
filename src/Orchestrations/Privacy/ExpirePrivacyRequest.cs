using Impact.Shared.Privacy;
using Microsoft.DurableTask;

namespace Impact.Orchestrations.Privacy;

/// <summary>Expires an erasure nobody decided on; returns the status the request has afterwards.</summary>
public sealed class ExpirePrivacyRequest(PrivacyRequestStore requests) : TaskActivity<Guid, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, Guid requestId) =>
        requests.ExpireAsync(requestId);
}
