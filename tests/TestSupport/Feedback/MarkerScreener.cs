using System.Text.RegularExpressions;
using Impact.Shared.Feedback;

namespace Impact.TestSupport.Feedback;

/// <summary>
/// A test double for <see cref="ITextScreener"/> (the real screener is another branch's work): e-mail addresses are PII
/// (score 0.4, LOW, masked as [EMAIL]); the marker word "HIGHRISK" makes a text toxic at 0.95 (HIGH), "MEDRISK" profane
/// at 0.7 (MEDIUM). Counts its calls.
/// </summary>
public sealed partial class MarkerScreener : ITextScreener
{
    private int calls;

    public int Calls => calls;

    public ScreeningResult Screen(string text, string? language = null)
    {
        Interlocked.Increment(ref calls);
        var pii = Email().Matches(text).Select(m => new PiiMatch("email", m.Index, m.Length)).ToList();
        var masked = Email().Replace(text, "[EMAIL]");
        var toxic = text.Contains("HIGHRISK", StringComparison.Ordinal) ? 0.95 : 0;
        var profanity = text.Contains("MEDRISK", StringComparison.Ordinal) ? 0.7 : 0;
        var scores = new List<CategoryScore>
        {
            new(SafetyCategories.Profanity, profanity, profanity > 0 ? ["MEDRISK"] : []),
            new(SafetyCategories.Spam, 0, []),
            new(SafetyCategories.Pii, pii.Count > 0 ? 0.4 : 0, pii.Count > 0 ? ["email"] : []),
            new(SafetyCategories.Toxic, toxic, toxic > 0 ? ["HIGHRISK"] : []),
        };
        var top = scores.Max(s => s.Score);
        var risk = top >= 0.9 ? RiskLevel.High : top >= 0.6 ? RiskLevel.Medium : top >= 0.3 ? RiskLevel.Low : RiskLevel.None;
        return new ScreeningResult(scores, risk, pii, masked);
    }

    [GeneratedRegex(@"[\w.+-]+@[\w-]+(\.[\w-]+)+")]
    private static partial Regex Email();
}
