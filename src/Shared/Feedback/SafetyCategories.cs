namespace Impact.Shared.Feedback;

/// <summary>The four safety screening categories of SPEC §G, as stored in <c>safety_flags.category</c>.</summary>
public static class SafetyCategories
{
    /// <summary>Swearing and obscenity.</summary>
    public const string Profanity = "profanity";
    /// <summary>Advertising, links and repeated junk.</summary>
    public const string Spam = "spam";
    /// <summary>Personal data: e-mail, phone, card, IBAN, national id numbers.</summary>
    public const string Pii = "pii";
    /// <summary>Threats, harassment and hate.</summary>
    public const string Toxic = "toxic";

    /// <summary>All four, in a fixed order.</summary>
    public static readonly IReadOnlyList<string> All = [Profanity, Spam, Pii, Toxic];
}
