using System.Globalization;
using System.Text;

namespace Impact.Shared.Feedback.Embedded;

/// <summary>
/// The features of the embedded classifier: lower-cased words (apostrophes unified, digits folded to <c>0</c>),
/// word pairs, and character 3- and 4-grams inside each word (they carry inflections and typos across:
/// "mentoren", "mentorem", "ментор"/"наставниця" share pieces). Each feature knows the words it came from,
/// which is what evidence points at.
/// </summary>
public static class TextFeatures
{
    /// <summary>The words and emoji of <paramref name="text"/>, with their positions in it.</summary>
    public static List<TextToken> Tokenize(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var tokens = new List<TextToken>();
        var word = new StringBuilder();
        var start = -1;
        var i = 0;
        while (i < text.Length)
        {
            var rune = Rune.GetRuneAt(text, i);
            var width = rune.Utf16SequenceLength;
            var category = Rune.GetUnicodeCategory(rune);
            var isWordChar = Rune.IsLetterOrDigit(rune) || category is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;
            var isApostrophe = rune.Value is '\'' or '\u2019' or '\u02BC' or '`';
            if (isWordChar || (isApostrophe && start >= 0 && i + width < text.Length && char.IsLetter(text[i + width])))
            {
                if (start < 0)
                {
                    start = i;
                }

                if (isApostrophe)
                {
                    word.Append('\'');
                }
                else if (Rune.IsDigit(rune))
                {
                    word.Append('0');
                }
                else
                {
                    word.Append(Rune.ToLowerInvariant(rune).ToString());
                }
            }
            else
            {
                Flush(tokens, word, ref start, i);
                if (category is UnicodeCategory.OtherSymbol)
                {
                    tokens.Add(new TextToken(rune.ToString(), i, width));
                }
            }

            i += width;
        }

        Flush(tokens, word, ref start, text.Length);
        return tokens;
    }

    private static void Flush(List<TextToken> tokens, StringBuilder word, ref int start, int end)
    {
        if (start >= 0)
        {
            tokens.Add(new TextToken(word.ToString(), start, end - start));
            word.Clear();
            start = -1;
        }
    }

    /// <summary>
    /// The distinct features of a tokenised text with the first and last token each came from (its first
    /// occurrence), in a fixed order.
    /// </summary>
    public static List<(string Name, int First, int Last)> Extract(IReadOnlyList<TextToken> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var features = new List<(string, int, int)>();
        void Add(string name, int first, int last)
        {
            if (seen.Add(name))
            {
                features.Add((name, first, last));
            }
        }

        for (var t = 0; t < tokens.Count; t++)
        {
            var w = tokens[t].Norm;
            Add("w:" + w, t, t);
            if (t + 1 < tokens.Count)
            {
                Add("b:" + w + " " + tokens[t + 1].Norm, t, t + 1);
            }

            if (w.Length >= 3 && char.IsLetter(w[0]))
            {
                var padded = "<" + w + ">";
                for (var n = 3; n <= 4; n++)
                {
                    for (var k = 0; k + n <= padded.Length; k++)
                    {
                        Add("c:" + padded.Substring(k, n), t, t);
                    }
                }
            }
        }

        return features;
    }
}
