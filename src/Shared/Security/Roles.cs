namespace Impact.Shared.Security;

/// <summary>The app roles a token's <c>roles</c> claim may carry (Entra app roles of the API's app registration).</summary>
public static class Roles
{
    /// <summary>Administers its own company: imports, schedules, deliveries, cohorts, journey rules.</summary>
    public const string CompanyAdmin = "Impact.CompanyAdmin";

    /// <summary>Handles data subject requests for the people of its own company.</summary>
    public const string PrivacyOfficer = "Impact.PrivacyOfficer";

    /// <summary>Works the safety review queue of its own company.</summary>
    public const string Reviewer = "Impact.Reviewer";

    /// <summary>Platform-wide: dead letters, bulk replays, model registry, figures across companies.</summary>
    public const string Operator = "Impact.Operator";

    /// <summary>Every role.</summary>
    public static readonly IReadOnlyList<string> All = [CompanyAdmin, PrivacyOfficer, Reviewer, Operator];
}
