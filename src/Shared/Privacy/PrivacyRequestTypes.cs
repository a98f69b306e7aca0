namespace Impact.Shared.Privacy;

/// <summary>Request types.</summary>
public static class PrivacyRequestTypes
{
    /// <summary>DSAR export.</summary>
    public const string Export = "export";
    /// <summary>Erasure.</summary>
    public const string Delete = "delete";
}
