namespace Impact.Shared.ImpactIn;

/// <summary>Numbers for one session type (language practice or mentorship).</summary>
/// <param name="SessionType">Kintell session type.</param>
/// <param name="Sessions">Completed sessions.</param>
/// <param name="VolunteerHours">Session minutes / 60, two decimals.</param>
/// <param name="Participants">Distinct participants.</param>
/// <param name="Volunteers">Distinct volunteers.</param>
public sealed record SessionTypeMetrics(string SessionType, int Sessions, decimal VolunteerHours, int Participants, int Volunteers);
