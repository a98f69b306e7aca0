using Impact.Shared.Feedback;

namespace Impact.TestSupport.Feedback;

/// <summary>A test double for <see cref="ILanguageDetector"/>: Cyrillic → uk, else en, confidence 0.9.</summary>
public sealed class FixedLanguageDetector : ILanguageDetector
{
    public LanguageGuess Detect(string text) =>
        new(text.Any(c => c is >= '\u0400' and <= '\u04FF') ? LanguageGuess.Ukrainian : LanguageGuess.English, 0.9);
}
