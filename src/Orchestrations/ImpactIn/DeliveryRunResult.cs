namespace Impact.Orchestrations.ImpactIn;

/// <summary>How a delivery run ended.</summary>
/// <param name="Status">A <see cref="Impact.Shared.ImpactIn.DeliveryStatus"/> (succeeded or failed), or <see cref="Skipped"/>.</param>
/// <param name="Attempts">Attempts this run made.</param>
/// <param name="Error">The last error.</param>
public sealed record DeliveryRunResult(string Status, int Attempts, string? Error)
{
    /// <summary>The run sent nothing: the delivery was finished already or belongs to another instance.</summary>
    public const string Skipped = "skipped";
}
