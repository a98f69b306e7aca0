namespace Impact.Shared.ImpactIn;

/// <summary>Deterministic names of a company's delivery to one platform for one period.</summary>
public static class DeliveryKeys
{
    /// <summary>
    /// <c>impactin-{company}-{platform}-{month|quarter}-{yyyyMMdd}</c>: the same for every timer, instance and replay, and for
    /// every schedule the company ever has on that platform (a deleted and re-created schedule names the same period alike).
    /// </summary>
    public static string For(Guid companyId, string platform, ReportingPeriod period) =>
        $"impactin-{companyId:N}-{platform}-{PeriodNames.Of(period.Kind)}-{period.Start.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)}";
}
