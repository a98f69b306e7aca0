namespace Impact.Shared.ImpactIn;

/// <summary>Deterministic names of a schedule's delivery for one period.</summary>
public static class DeliveryKeys
{
    /// <summary><c>impactin-{schedule}-{month|quarter}-{yyyyMMdd}</c>: the same for every timer, instance and replay.</summary>
    public static string For(Guid scheduleId, ReportingPeriod period) =>
        $"impactin-{scheduleId:N}-{PeriodNames.Of(period.Kind)}-{period.Start.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)}";
}
