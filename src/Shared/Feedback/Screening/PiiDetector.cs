using System.Text;
using System.Text.RegularExpressions;
using PhoneNumbers;

namespace Impact.Shared.Feedback.Screening;

/// <summary>
/// Finds personal data in a text. Checksummed kinds first (e-mail, IBAN, card, fødselsnummer,
/// RNOKPP), then phone numbers on what is left; a span taken by one detector is not seen by the
/// next. A number whose checksum fails is not PII. Pure: the same text gives the same matches.
/// </summary>
internal static partial class PiiDetector
{
    private static readonly PhoneNumberUtil Phones = PhoneNumberUtil.GetInstance();

    // Words that say "the number next to me is a phone number" (unformatted local numbers need one).
    private static readonly HashSet<string> PhoneCues = new(StringComparer.Ordinal)
    {
        "tlf", "tel", "telefon", "telefonen", "telefonnummer", "telefonnummeret", "telefonnr", "tlfnr", "mobil", "mobilen",
        "mobilnummer", "mobilnummeret", "mobilnr", "mob", "nummer", "nummeret", "ring", "ringe", "ringer", "ringt",
        "sms", "phone", "call", "text", "mobile", "cell", "number", "whatsapp", "viber", "telegram", "signal",
        "номер", "телефон", "телефону", "тел", "моб", "мобільний", "дзвоніть", "дзвони", "зателефонуй", "зателефонуйте",
        "пишіть", "пиши", "вайбер", "вайбері", "телеграм", "телеграмі",
    };

    // Words that say "this is some other number": an order, an invoice, an account, a case.
    private static readonly HashSet<string> OtherNumberCues = new(StringComparer.Ordinal)
    {
        "order", "invoice", "ref", "reference", "ticket", "case", "account", "booking", "id", "kid", "ordre", "ordrenummer",
        "ordrenr", "bestilling", "bestillingsnummer", "bestillingsnr", "faktura", "fakturanummer", "fakturanr", "konto",
        "kontonummer", "kontonr", "sak", "saksnummer", "saksnr", "referanse", "kundenummer", "kundenr", "замовлення",
        "замовленя", "рахунок", "рахунку", "квитанція", "квитанції", "накладна", "накладної", "договір", "договору", "посилка",
        "посилки", "ттн", "артикул",
    };

    public static List<PiiMatch> Find(string text, string? language)
    {
        var found = new List<PiiMatch>();
        var taken = new bool[text.Length];

        foreach (Match m in EmailPattern().Matches(text))
        {
            var length = m.Length;
            while (length > 0 && text[m.Index + length - 1] is '.' or '-')
            {
                length--;
            }

            Take(found, taken, PiiKinds.Email, m.Index, length);
        }

        FindIbans(text, found, taken);

        var groups = DigitGroups(text, taken);
        FindInGroups(text, groups, found, taken, 5, PiiKinds.Card, IsCard);
        FindInGroups(text, groups, found, taken, 2, PiiKinds.Fodselsnummer, IsFodselsnummer);
        FindInGroups(text, groups, found, taken, 1, PiiKinds.Rnokpp, (raw, digits) => raw.Length == 10 && PiiChecksums.Rnokpp(digits));

        FindInternationalPhones(text, found, taken);
        var localGroups = DigitGroups(text, taken);
        var regions = language == LanguageGuess.Ukrainian ? new[] { "UA", "NO" } : ["NO", "UA"];
        FindInGroups(text, localGroups, found, taken, 5, PiiKinds.Phone, (raw, digits) => false, (start, end) => IsLocalPhone(text, start, end, regions));

        found.Sort((a, b) => a.Start.CompareTo(b.Start));
        return found;
    }

    private static void Take(List<PiiMatch> found, bool[] taken, string kind, int start, int length)
    {
        for (var k = start; k < start + length; k++)
        {
            if (taken[k])
            {
                return;
            }
        }

        Array.Fill(taken, true, start, length);
        found.Add(new PiiMatch(kind, start, length));
    }

    private static void FindIbans(string text, List<PiiMatch> found, bool[] taken)
    {
        foreach (Match m in IbanStart().Matches(text))
        {
            var country = text.Substring(m.Index, 2).ToUpperInvariant();
            if (!PiiChecksums.IbanLengths.TryGetValue(country, out var expected))
            {
                continue;
            }

            // Read exactly the country's length of letters and digits, single spaces allowed between.
            var compact = new StringBuilder(expected);
            var end = m.Index;
            while (end < text.Length && compact.Length < expected)
            {
                var c = text[end];
                if (char.IsAsciiLetterOrDigit(c))
                {
                    compact.Append(char.ToUpperInvariant(c));
                }
                else if (c != ' ' || end + 1 >= text.Length || !char.IsAsciiLetterOrDigit(text[end + 1]))
                {
                    break;
                }

                end++;
            }

            if (compact.Length == expected && (end == text.Length || !char.IsLetterOrDigit(text[end]))
                && PiiChecksums.IbanMod97(compact.ToString()))
            {
                Take(found, taken, PiiKinds.Iban, m.Index, end - m.Index);
            }
        }
    }

    private readonly record struct DigitGroup(int Start, int End, char SeparatorBefore);

    // Runs of digits (a parenthesis around one counts with it), and the one separator before each: ' ', '-', '.' or none.
    private static List<DigitGroup> DigitGroups(string text, bool[] taken)
    {
        var groups = new List<DigitGroup>();
        foreach (Match m in DigitRun().Matches(text))
        {
            if (taken[m.Index] || taken[m.Index + m.Length - 1])
            {
                continue;
            }

            var before = m.Index > 0 ? text[m.Index - 1] : '\0';
            var separator = '\0';
            if (groups.Count > 0 && groups[^1].End == m.Index - 1 && before is ' ' or '-' or '.')
            {
                separator = before;
            }

            groups.Add(new DigitGroup(m.Index, m.Index + m.Length, separator));
        }

        return groups;
    }

    // Tries windows of up to maxGroups consecutive groups, longest first, at each group; the first window accepted is taken.
    private static void FindInGroups(
        string text, List<DigitGroup> groups, List<PiiMatch> found, bool[] taken, int maxGroups, string kind,
        Func<string, string, bool> accept, Func<int, int, bool>? acceptSpan = null)
    {
        for (var g = 0; g < groups.Count; g++)
        {
            // A window starts where a number starts, never inside a run of groups ("DE09 4308 4929…" holds no card at "4308").
            var start = groups[g].Start;
            if (taken[start] || groups[g].SeparatorBefore != '\0' || (start > 0 && (char.IsLetterOrDigit(text[start - 1]) || text[start - 1] is '+' or '/' or '_')))
            {
                continue;
            }

            var longest = 1;
            while (longest < maxGroups && g + longest < groups.Count && groups[g + longest].SeparatorBefore != '\0')
            {
                longest++;
            }

            for (var n = longest; n >= 1; n--)
            {
                var end = groups[g + n - 1].End;
                if (taken[end - 1] || (end < text.Length && (char.IsLetterOrDigit(text[end]) || text[end] is '/' or '_'
                    || (text[end] is '.' or ',' or '-' && end + 1 < text.Length && char.IsDigit(text[end + 1])))))
                {
                    continue;
                }

                var raw = text[start..end];
                var ok = acceptSpan?.Invoke(start, end) ?? accept(raw, DigitsOf(raw));
                if (ok)
                {
                    Take(found, taken, kind, start, end - start);
                    g += n - 1;
                    break;
                }
            }
        }
    }

    private static string DigitsOf(string raw)
    {
        var sb = new StringBuilder(raw.Length);
        foreach (var c in raw)
        {
            if (char.IsAsciiDigit(c))
            {
                sb.Append(c);
            }
        }

        return sb.ToString();
    }

    // 13–19 digits of a card scheme's first digit (2–6), one kind of separator, Luhn valid.
    private static bool IsCard(string raw, string digits)
    {
        if (digits.Length is < 13 or > 19 || digits[0] is < '2' or > '6' || raw.Contains('(', StringComparison.Ordinal) || raw.Contains('.', StringComparison.Ordinal))
        {
            return false;
        }

        var separators = raw.Where(c => !char.IsAsciiDigit(c)).Distinct().Count();
        return separators <= 1 && PiiChecksums.Luhn(digits);
    }

    // 11 digits, or 6 + 5 with one space ("010190 12345").
    private static bool IsFodselsnummer(string raw, string digits) =>
        digits.Length == 11 && (raw.Length == 11 || (raw.Length == 12 && raw[6] == ' ')) && PiiChecksums.Fodselsnummer(digits);

    private static void FindInternationalPhones(string text, List<PiiMatch> found, bool[] taken)
    {
        foreach (Match m in InternationalPhone().Matches(text))
        {
            if (taken[m.Index])
            {
                continue;
            }

            // Shorten from the end, a group at a time, until libphonenumber calls it a valid number.
            var candidate = m.Value.TrimEnd(' ', '-', '.', '(', ')');
            while (candidate.Length >= 8)
            {
                var digits = DigitsOf(candidate);
                if (candidate.StartsWith("00", StringComparison.Ordinal))
                {
                    digits = digits[2..];
                }

                if (digits.Length is >= 7 and <= 15 && IsValid("+" + digits, "ZZ"))
                {
                    Take(found, taken, PiiKinds.Phone, m.Index, candidate.Length);
                    break;
                }

                var cut = candidate.LastIndexOfAny([' ', '-', '.', '(', ')']);
                if (cut <= 1)
                {
                    break;
                }

                candidate = candidate[..cut].TrimEnd(' ', '-', '.', '(', ')');
            }
        }
    }

    private static bool IsLocalPhone(string text, int start, int end, string[] regions)
    {
        var raw = text[start..end];
        var digits = DigitsOf(raw);
        if (PrecededBy(text, start, OtherNumberCues))
        {
            return false;
        }

        foreach (var region in regions)
        {
            if (region == "NO" && digits.Length == 8 && digits[0] != '0' && digits[0] != '1')
            {
                // 8 digits: "412 34 567" and "41 23 45 67" are phone formats; a bare run of 8 needs a phone word nearby.
                var formatted = NorwegianFormat().IsMatch(raw);
                if ((formatted || (raw.Length == 8 && NearPhoneCue(text, start, end))) && IsValid(digits, "NO"))
                {
                    return true;
                }
            }
            else if (region == "UA" && digits.Length == 10 && digits[0] == '0' && UkrainianFormat().IsMatch(raw) && IsValid(digits, "UA"))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsValid(string number, string region)
    {
        try
        {
            var parsed = Phones.Parse(number, region);
            return region == "ZZ" ? Phones.IsValidNumber(parsed) : Phones.IsValidNumberForRegion(parsed, region);
        }
        catch (NumberParseException)
        {
            return false;
        }
    }

    private static bool NearPhoneCue(string text, int start, int end) =>
        PrecededBy(text, start, PhoneCues, words: 4) || FollowedBy(text, end, PhoneCues, words: 3);

    private static bool PrecededBy(string text, int start, HashSet<string> cues, int words = 3)
    {
        var from = Math.Max(0, start - 48);
        var before = text[from..start];
        if (before.TrimEnd().EndsWith('#') || before.TrimEnd().EndsWith('№'))
        {
            return cues == OtherNumberCues;
        }

        var tokens = WordPattern().Matches(before).Select(m => m.Value.ToLowerInvariant()).TakeLast(words);
        return tokens.Any(cues.Contains);
    }

    private static bool FollowedBy(string text, int end, HashSet<string> cues, int words)
    {
        var after = text[end..Math.Min(text.Length, end + 48)];
        return WordPattern().Matches(after).Select(m => m.Value.ToLowerInvariant()).Take(words).Any(cues.Contains);
    }

    [GeneratedRegex(@"(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}][\p{L}\p{N}._%+-]*@[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?(?:\.[\p{L}\p{N}](?:[\p{L}\p{N}-]*[\p{L}\p{N}])?)*\.\p{L}{2,24}(?![\p{L}\p{N}])")]
    private static partial Regex EmailPattern();

    [GeneratedRegex(@"(?<![\p{L}\p{N}])[A-Za-z]{2}\d{2}(?=[ ]?[A-Za-z0-9])")]
    private static partial Regex IbanStart();

    [GeneratedRegex(@"\(?\d+\)?")]
    private static partial Regex DigitRun();

    [GeneratedRegex(@"(?<![\p{L}\p{N}+])(?:\+|00)\d[\d \-.()]{6,22}")]
    private static partial Regex InternationalPhone();

    [GeneratedRegex(@"^(?:\d{3} \d{2} \d{3}|\d{2} \d{2} \d{2} \d{2}|\d{3}-\d{2}-\d{3}|\d{2}-\d{2}-\d{2}-\d{2})$")]
    private static partial Regex NorwegianFormat();

    [GeneratedRegex(@"^(?:\(0\d{2}\)|0\d{2})[ -]?\d{3}[ -]?\d{2}[ -]?\d{2}$|^0\d{2} \d{7}$")]
    private static partial Regex UkrainianFormat();

    [GeneratedRegex(@"[\p{L}\p{N}]+")]
    private static partial Regex WordPattern();
}
