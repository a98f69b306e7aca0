using System.Text.RegularExpressions;

namespace Impact.Shared.Feedback.Screening;

/// <summary>The shape signals of spam (links, runs of one character, one word repeated, shouting); promotion phrases come from the lexicons.</summary>
internal static partial class SpamSignals
{
    public static void Collect(string text, IReadOnlyList<WordToken> tokens, List<(double Weight, string Reason)> signals)
    {
        var links = LinkPattern().Count(text);
        if (links > 0)
        {
            signals.Add((links switch { 1 => 0.4, 2 => 0.6, _ => 0.8 }, "link"));
        }

        if (CharacterRun().IsMatch(text))
        {
            signals.Add((0.3, "repeated characters"));
        }

        if (RepeatedWords(tokens))
        {
            signals.Add((0.5, "repeated words"));
        }

        // Shouting is judged on the words, not on the (lower-case) links among them.
        if (Shouting(links > 0 ? LinkPattern().Replace(text, " ") : text, tokens.Count))
        {
            signals.Add((0.35, "all caps"));
        }
    }

    // The same word three times in a row, or one word over half of a text of eight words or more.
    private static bool RepeatedWords(IReadOnlyList<WordToken> tokens)
    {
        var run = 1;
        for (var k = 1; k < tokens.Count; k++)
        {
            run = tokens[k].Norm == tokens[k - 1].Norm && tokens[k].Norm.Length > 1 ? run + 1 : 1;
            if (run >= 3)
            {
                return true;
            }
        }

        if (tokens.Count < 8)
        {
            return false;
        }

        var top = tokens.Where(t => t.Norm.Length > 2).GroupBy(t => t.Norm, StringComparer.Ordinal).Select(g => g.Count()).DefaultIfEmpty(0).Max();
        return top * 2 > tokens.Count;
    }

    // At least 15 cased letters over three words or more, 80 % of them upper case.
    private static bool Shouting(string text, int words)
    {
        if (words < 3)
        {
            return false;
        }

        int upper = 0, cased = 0;
        foreach (var c in text)
        {
            if (char.IsUpper(c))
            {
                upper++;
                cased++;
            }
            else if (char.IsLower(c))
            {
                cased++;
            }
        }

        return cased >= 15 && upper >= 0.8 * cased;
    }

    // A bare domain counts only under top-level domains spam uses: "asp.net", "uio.no" and "node.js" are words of feedback.
    [GeneratedRegex(@"\b(?:https?://|www\.)[^\s<>""]+|\b[a-z0-9][a-z0-9-]{1,62}\.(?:com|org|info|biz|xyz|top|ru|click|shop|site|online|link|ly|store|win|bet|vip)(?:/[^\s<>""]*)?(?![\p{L}\p{N}.])", RegexOptions.CultureInvariant)]
    private static partial Regex LinkPattern();

    [GeneratedRegex(@"([\p{L}!?$€])\1{5,}")]
    private static partial Regex CharacterRun();
}
