namespace Impact.Shared.ImpactIn;

/// <summary>Sends a delivery to whichever platform it is for.</summary>
public sealed class PartnerConnectors(BenevityConnector benevity, GooderaConnector goodera, WorkdayConnector workday)
{
    /// <summary>Sends one attempt.</summary>
    public Task<PartnerResponse> SendAsync(PartnerRequest request, CancellationToken ct = default) => request.Platform switch
    {
        Platforms.Benevity => benevity.SendAsync(request, ct),
        Platforms.Goodera => goodera.SendAsync(request, ct),
        Platforms.Workday => workday.SendAsync(request, ct),
        _ => Task.FromResult(new PartnerResponse(AttemptOutcome.Final, null, null, $"Unknown platform '{request.Platform}'.", null)),
    };
}
