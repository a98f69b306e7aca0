namespace Impact.Shared.ImpactIn;

/// <summary>One page of deliveries.</summary>
/// <param name="Items">The deliveries, newest first.</param>
/// <param name="Page">1-based page.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Total">Matching deliveries over all pages.</param>
public sealed record DeliveryPage(IReadOnlyList<Delivery> Items, int Page, int Limit, long Total);
