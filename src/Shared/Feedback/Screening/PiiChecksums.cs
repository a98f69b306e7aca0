namespace Impact.Shared.Feedback.Screening;

/// <summary>The check-digit rules behind the PII detectors; a number that fails its rule is not PII.</summary>
internal static class PiiChecksums
{
    /// <summary>Luhn (ISO/IEC 7812) over the digits.</summary>
    public static bool Luhn(ReadOnlySpan<char> digits)
    {
        var sum = 0;
        var doubleIt = false;
        for (var i = digits.Length - 1; i >= 0; i--)
        {
            var d = digits[i] - '0';
            if (doubleIt)
            {
                d *= 2;
                if (d > 9)
                {
                    d -= 9;
                }
            }

            sum += d;
            doubleIt = !doubleIt;
        }

        return sum % 10 == 0;
    }

    /// <summary>ISO 13616: the first four characters moved to the end, letters as 10–35, the number mod 97 is 1.</summary>
    public static bool IbanMod97(ReadOnlySpan<char> iban)
    {
        var remainder = 0;
        for (var i = 0; i < iban.Length; i++)
        {
            var c = iban[(i + 4) % iban.Length];
            if (c is >= '0' and <= '9')
            {
                remainder = (remainder * 10 + (c - '0')) % 97;
            }
            else if (c is >= 'A' and <= 'Z')
            {
                remainder = (remainder * 100 + (c - 'A' + 10)) % 97;
            }
            else
            {
                return false;
            }
        }

        return remainder == 1;
    }

    private static readonly int[] FnrWeights1 = [3, 7, 6, 1, 8, 9, 4, 5, 2];
    private static readonly int[] FnrWeights2 = [5, 4, 3, 2, 7, 6, 5, 4, 3, 2];

    /// <summary>
    /// Norwegian fødselsnummer (11 digits): both mod-11 control digits, and a real date from the
    /// first six digits and the century given by the individual number; D-numbers (day + 40) and
    /// H-numbers (month + 40) count too.
    /// </summary>
    public static bool Fodselsnummer(ReadOnlySpan<char> d)
    {
        if (d.Length != 11)
        {
            return false;
        }

        if (Control(d, FnrWeights1) != d[9] - '0' || Control(d, FnrWeights2) != d[10] - '0')
        {
            return false;
        }

        var day = (d[0] - '0') * 10 + (d[1] - '0');
        var month = (d[2] - '0') * 10 + (d[3] - '0');
        var year = (d[4] - '0') * 10 + (d[5] - '0');
        var individual = (d[6] - '0') * 100 + (d[7] - '0') * 10 + (d[8] - '0');
        if (day > 40)
        {
            day -= 40; // D-number
        }

        if (month > 40)
        {
            month -= 40; // H-number
        }

        int? century = individual switch
        {
            <= 499 => 1900,
            <= 749 when year >= 54 => 1800,
            <= 999 when year <= 39 => 2000,
            >= 900 when year >= 40 => 1900,
            _ => null,
        };
        if (century is null || month is < 1 or > 12 || day < 1)
        {
            return false;
        }

        return day <= DateTime.DaysInMonth(century.Value + year, month);
    }

    private static int Control(ReadOnlySpan<char> d, int[] weights)
    {
        var sum = 0;
        for (var i = 0; i < weights.Length; i++)
        {
            sum += weights[i] * (d[i] - '0');
        }

        var k = 11 - sum % 11;
        return k switch
        {
            11 => 0,
            10 => -1, // never valid: no number is issued with it
            _ => k,
        };
    }

    private static readonly int[] RnokppWeights = [-1, 5, 7, 9, 4, 6, 10, 5, 7];

    /// <summary>
    /// Ukrainian RNOKPP (10 digits): the check digit is (Σ wᵢ·dᵢ mod 11) mod 10 with weights
    /// −1 5 7 9 4 6 10 5 7; the first five digits count days from 31 Dec 1899 to the birth date,
    /// so a number below 10000 days (born before May 1927) or above 55000 (after 2050) is not one.
    /// </summary>
    public static bool Rnokpp(ReadOnlySpan<char> d)
    {
        if (d.Length != 10)
        {
            return false;
        }

        var days = int.Parse(d[..5], provider: System.Globalization.CultureInfo.InvariantCulture);
        if (days is < 10000 or > 55000)
        {
            return false;
        }

        var sum = 0;
        for (var i = 0; i < 9; i++)
        {
            sum += RnokppWeights[i] * (d[i] - '0');
        }

        // C# % keeps the sign: bring a negative sum into 0–10 first.
        var check = ((sum % 11) + 11) % 11 % 10;
        return check == d[9] - '0';
    }

    /// <summary>IBAN lengths per country (ISO 13616 registry, the countries likely here and their neighbours).</summary>
    public static readonly IReadOnlyDictionary<string, int> IbanLengths = new Dictionary<string, int>(StringComparer.Ordinal)
    {
        ["AD"] = 24, ["AE"] = 23, ["AL"] = 28, ["AT"] = 20, ["AZ"] = 28, ["BA"] = 20, ["BE"] = 16, ["BG"] = 22,
        ["BH"] = 22, ["BY"] = 28, ["CH"] = 21, ["CY"] = 28, ["CZ"] = 24, ["DE"] = 22, ["DK"] = 18, ["EE"] = 20,
        ["ES"] = 24, ["FI"] = 18, ["FO"] = 18, ["FR"] = 27, ["GB"] = 22, ["GE"] = 22, ["GI"] = 23, ["GL"] = 18,
        ["GR"] = 27, ["HR"] = 21, ["HU"] = 28, ["IE"] = 22, ["IL"] = 23, ["IS"] = 26, ["IT"] = 27, ["KZ"] = 20,
        ["LI"] = 21, ["LT"] = 20, ["LU"] = 20, ["LV"] = 21, ["MC"] = 27, ["MD"] = 24, ["ME"] = 22, ["MK"] = 19,
        ["MT"] = 31, ["NL"] = 18, ["NO"] = 15, ["PL"] = 28, ["PT"] = 25, ["RO"] = 24, ["RS"] = 22, ["SA"] = 24,
        ["SE"] = 24, ["SI"] = 19, ["SK"] = 24, ["SM"] = 27, ["TR"] = 26, ["UA"] = 29, ["VA"] = 22, ["XK"] = 20,
    };
}
