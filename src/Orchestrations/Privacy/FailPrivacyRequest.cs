using Impact.Shared.Privacy;
using Microsoft.DurableTask;

namespace Impact.Orchestrations.Privacy;

/// <summary>Input of <see cref="FailPrivacyRequest"/>.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Error">Why it failed.</param>
public sealed record FailPrivacyRequestInput(Guid RequestId, string Error);

/// <summary>Marks a request failed after its activity gave up retrying.</summary>
public sealed class FailPrivacyRequest(PrivacyRequestStore requests) : TaskActivity<FailPrivacyRequestInput, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, FailPrivacyRequestInput input)
    {
        await requests.FailAsync(input.RequestId, input.Error);
        return true;
    }
}
