namespace Impact.Shared.Events;

/// <summary>
/// Settings section <c>ServiceBus</c>: the production fan-out of domain events to other services.
/// Off when neither a namespace nor a connection string is set (the local default).
/// </summary>
public sealed record ServiceBusOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "ServiceBus";

    /// <summary>e.g. <c>impact-prod.servicebus.windows.net</c>, reached with the app's managed identity.</summary>
    public string? FullyQualifiedNamespace { get; init; }

    /// <summary>A connection string, as an alternative to the namespace (e.g. the Service Bus emulator).</summary>
    public string? ConnectionString { get; init; }

    /// <summary>The topic events are published to.</summary>
    public string Topic { get; init; } = "impact-events";

    /// <summary>Events per relay round trip.</summary>
    [System.ComponentModel.DataAnnotations.Range(1, 1000)]
    public int BatchSize { get; init; } = 100;

    /// <summary>Whether the relay has anywhere to publish.</summary>
    public bool Enabled => !string.IsNullOrWhiteSpace(FullyQualifiedNamespace) || !string.IsNullOrWhiteSpace(ConnectionString);
}
