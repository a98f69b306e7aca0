using System.Globalization;
using System.Text;

namespace Impact.Shared.Feedback.Screening;

/// <summary>
/// Splits a text into words on Unicode word boundaries (letters, combining marks and digits;
/// an apostrophe, '*', '@' or '$' only inside a word) and normalises each word once, so the
/// lexicons see whole words only: "Scunthorpe" is one word, never "cunt".
/// </summary>
internal static class WordScanner
{
    public static List<WordToken> Scan(string text)
    {
        var tokens = new List<WordToken>();
        var breakPending = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (!IsWordStart(text, i))
            {
                if (c is '.' or '!' or '?' or ';' or ':' or '\n' or '\r' or '(' or ')' or '"' or '«' or '»' or '—' or '|')
                {
                    breakPending = true;
                }

                i++;
                continue;
            }

            var start = i;
            i++;
            while (i < text.Length && (IsWordChar(text[i]) || (IsInner(text[i]) && i + 1 < text.Length && (IsWordChar(text[i + 1]) || IsInner(text[i + 1])))))
            {
                i++;
            }

            // A trailing '*' run belongs to the word ("f***"), trailing apostrophes do not.
            while (i < text.Length && text[i] == '*')
            {
                i++;
            }

            var raw = text.AsSpan(start, i - start);
            if (raw.Length > 64)
            {
                breakPending = false;
                continue; // a run of junk, not a word: the spam check sees it
            }

            tokens.Add(Normalise(raw, start, breakPending));
            breakPending = false;
        }

        return tokens;
    }

    private static bool IsWordStart(string text, int i)
    {
        var c = text[i];
        if (IsWordChar(c) && !IsCombining(c))
        {
            return true;
        }

        // "$hit", "@ss": a leet symbol starts a word only when a letter follows.
        return (c is '$' or '@') && i + 1 < text.Length && char.IsLetter(text[i + 1]) && (i == 0 || !IsWordChar(text[i - 1]));
    }

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || IsCombining(c);

    private static bool IsCombining(char c) => CharUnicodeInfo.GetUnicodeCategory(c) is UnicodeCategory.NonSpacingMark or UnicodeCategory.SpacingCombiningMark;

    private static bool IsInner(char c) => c is '\'' or '’' or 'ʼ' or '`' or '´' or '*' or '@' or '$';

    private static WordToken Normalise(ReadOnlySpan<char> raw, int start, bool breakBefore)
    {
        var sb = new StringBuilder(raw.Length);
        bool hasLetter = false, hasLeet = false, masked = false, cyrillic = false;
        foreach (var ch in raw)
        {
            var c = char.ToLowerInvariant(ch);
            if (c is '’' or 'ʼ' or '`' or '´')
            {
                c = '\'';
            }

            if (c == '*')
            {
                masked = true;
            }
            else if (char.IsLetter(c))
            {
                hasLetter = true;
                cyrillic |= c is >= '\u0400' and <= '\u04FF';
            }
            else if (c is '0' or '1' or '3' or '4' or '5' or '7' or '@' or '$')
            {
                hasLeet = true;
            }

            sb.Append(c);
        }

        var form = sb.ToString();
        if (hasLetter && hasLeet)
        {
            form = UndoLeet(form);
        }

        var forms = new List<string>(3) { form };
        if (HasRun(form, 3))
        {
            // "fuuuuck" → "fuck", "asssshole" → "asshole": both readings, since a run may stand for one letter or two.
            AddDistinct(forms, CollapseRuns(form, 1));
            AddDistinct(forms, CollapseRuns(form, 2));
        }

        return new WordToken(start, raw.Length, forms, masked && hasLetter, cyrillic, breakBefore);
    }

    private static string UndoLeet(string form)
    {
        var chars = form.ToCharArray();
        for (var k = 0; k < chars.Length; k++)
        {
            chars[k] = chars[k] switch
            {
                '0' => 'o',
                '1' => 'i',
                '3' => 'e',
                '4' => 'a',
                '5' => 's',
                '7' => 't',
                '@' => 'a',
                '$' => 's',
                var same => same,
            };
        }

        return new string(chars);
    }

    private static bool HasRun(string s, int length)
    {
        var run = 1;
        for (var k = 1; k < s.Length; k++)
        {
            run = s[k] == s[k - 1] ? run + 1 : 1;
            if (run >= length && char.IsLetter(s[k]))
            {
                return true;
            }
        }

        return false;
    }

    // Runs of three or more of one letter become `keep` letters.
    private static string CollapseRuns(string s, int keep)
    {
        var sb = new StringBuilder(s.Length);
        var k = 0;
        while (k < s.Length)
        {
            var end = k;
            while (end < s.Length && s[end] == s[k])
            {
                end++;
            }

            var run = end - k;
            sb.Append(s[k], run >= 3 && char.IsLetter(s[k]) ? keep : run);
            k = end;
        }

        return sb.ToString();
    }

    private static void AddDistinct(List<string> forms, string form)
    {
        if (!forms.Contains(form, StringComparer.Ordinal))
        {
            forms.Add(form);
        }
    }
}
