namespace Impact.Shared.ImpactIn;

/// <summary>Filters and page of the deliveries list.</summary>
/// <param name="CompanyId">Only this company.</param>
/// <param name="Platform">Only this platform.</param>
/// <param name="Status">Only this status.</param>
/// <param name="From">Created at or after.</param>
/// <param name="To">Created before.</param>
/// <param name="Page">1-based page.</param>
/// <param name="Limit">Page size, 1–100.</param>
public sealed record DeliveryFilter(Guid? CompanyId, string? Platform, string? Status, DateTimeOffset? From, DateTimeOffset? To, int Page, int Limit);
