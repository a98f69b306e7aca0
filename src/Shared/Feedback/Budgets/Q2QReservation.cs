namespace Impact.Shared.Feedback.Budgets;

/// <summary>Cost reserved for one paid provider call (a row of <c>impact.q2q_reservations</c>), settled or released after the call.</summary>
/// <param name="Id">The reservation's id.</param>
/// <param name="CompanyId">The company charged.</param>
/// <param name="Month">The first day of the (UTC) month it is charged to.</param>
/// <param name="Provider">The provider called.</param>
/// <param name="ModelId">The registry model called.</param>
/// <param name="EstimatedUsd">What was reserved: an upper bound of the call's cost.</param>
public sealed record Q2QReservation(Guid Id, Guid CompanyId, DateOnly Month, string Provider, string ModelId, decimal EstimatedUsd);
