namespace Impact.Shared.Feedback;

/// <summary>A detected language: <c>en</c>, <c>uk</c>, <c>no</c> (Bokmål and Nynorsk) or <c>unknown</c>, with a confidence 0–1.</summary>
public sealed record LanguageGuess(string Language, double Confidence)
{
    /// <summary>English.</summary>
    public const string English = "en";
    /// <summary>Ukrainian.</summary>
    public const string Ukrainian = "uk";
    /// <summary>Norwegian, Bokmål or Nynorsk.</summary>
    public const string Norwegian = "no";
    /// <summary>Anything else, including Danish, Swedish and Russian.</summary>
    public const string Unknown = "unknown";
}
