namespace Impact.Shared.Feedback;

/// <summary>Language detection restricted to the languages that matter (SPEC §H). Pure and deterministic.</summary>
public interface ILanguageDetector
{
    /// <summary>The language of <paramref name="text"/>; neighbours (Danish, Swedish, Russian, …) are <see cref="LanguageGuess.Unknown"/>.</summary>
    LanguageGuess Detect(string text);
}
