using System.Globalization;
using System.Text.RegularExpressions;

namespace Impact.Shared.Cohorts;

/// <summary>
/// A calendar month (<c>2026-03</c>) or quarter (<c>2026-Q1</c>) in UTC: the unit cohort metrics are computed for.
/// </summary>
/// <param name="Kind"><see cref="Month"/> or <see cref="Quarter"/>.</param>
/// <param name="Start">The first day of the period.</param>
public readonly partial record struct CohortPeriod(string Kind, DateOnly Start)
{
    /// <summary>The kind of a calendar month.</summary>
    public const string Month = "month";

    /// <summary>The kind of a calendar quarter.</summary>
    public const string Quarter = "quarter";

    /// <summary>Both kinds.</summary>
    public static readonly IReadOnlyList<string> Kinds = [Month, Quarter];

    /// <summary>The period's name: <c>2026-03</c> or <c>2026-Q1</c>.</summary>
    public string Label => Kind == Month
        ? Start.ToString("yyyy-MM", CultureInfo.InvariantCulture)
        : $"{Start.Year}-Q{(Start.Month - 1) / 3 + 1}";

    /// <summary>The period after this one.</summary>
    public CohortPeriod Next => new(Kind, Start.AddMonths(Kind == Month ? 1 : 3));

    /// <summary>The period before this one.</summary>
    public CohortPeriod Previous => new(Kind, Start.AddMonths(Kind == Month ? -1 : -3));

    /// <summary>The period of <paramref name="kind"/> that holds <paramref name="instant"/> (UTC).</summary>
    public static CohortPeriod Of(string kind, DateTimeOffset instant)
    {
        var d = instant.UtcDateTime;
        return kind == Month
            ? new CohortPeriod(Month, new DateOnly(d.Year, d.Month, 1))
            : new CohortPeriod(Quarter, new DateOnly(d.Year, (d.Month - 1) / 3 * 3 + 1, 1));
    }

    /// <summary>
    /// Reads <c>2026-03</c> (a month) or <c>2026-Q1</c> (a quarter). With <paramref name="kind"/> given, a month or a
    /// date (<c>2026-03-15</c>) is read as the period of that kind that holds it. Null when the text is none of these.
    /// </summary>
    public static CohortPeriod? Parse(string text, string? kind = null)
    {
        var m = Shape().Match(text.Trim());
        if (!m.Success)
        {
            return null;
        }

        var year = int.Parse(m.Groups["y"].Value, CultureInfo.InvariantCulture);
        if (year is < 1900 or > 2999)
        {
            return null;
        }

        if (m.Groups["q"].Success)
        {
            var q = int.Parse(m.Groups["q"].Value, CultureInfo.InvariantCulture);
            return kind is null or Quarter && q is >= 1 and <= 4 ? new CohortPeriod(Quarter, new DateOnly(year, (q - 1) * 3 + 1, 1)) : null;
        }

        var month = int.Parse(m.Groups["m"].Value, CultureInfo.InvariantCulture);
        if (month is < 1 or > 12)
        {
            return null;
        }

        if (m.Groups["d"].Success)
        {
            var day = int.Parse(m.Groups["d"].Value, CultureInfo.InvariantCulture);
            if (kind is null || day < 1 || day > DateTime.DaysInMonth(year, month))
            {
                return null;
            }
        }

        return Of(kind ?? Month, new DateTimeOffset(year, month, 1, 0, 0, 0, TimeSpan.Zero));
    }

    [GeneratedRegex(@"^(?<y>\d{4})-(?:[Qq](?<q>\d)|(?<m>\d{2})(?:-(?<d>\d{2}))?)$")]
    private static partial Regex Shape();
}
