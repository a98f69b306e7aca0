using System.Globalization;

namespace Impact.Shared.Cohorts;

/// <summary>
/// Who belongs to a cohort; every filter left out means "any". A person is a member when they took part in a
/// completed session of the cohort's company and their <em>first</em> such session (of <see cref="SessionType"/>, in
/// <see cref="Role"/>, when given) falls in <see cref="FirstSessionFrom"/>–<see cref="FirstSessionTo"/> (months, inclusive)
/// at one of the CEFR levels <see cref="CefrAtStart"/>, and — with <see cref="Language"/> — they wrote feedback in that language.
/// </summary>
/// <param name="SessionType"><c>language</c> or <c>mentorship</c>.</param>
/// <param name="Language">The language of the person's feedback texts: <c>en</c>, <c>uk</c> or <c>no</c>.</param>
/// <param name="CefrAtStart">CEFR levels (A1–C2) of the first session.</param>
/// <param name="FirstSessionFrom">First month of the first session, <c>YYYY-MM</c>.</param>
/// <param name="FirstSessionTo">Last month of the first session, <c>YYYY-MM</c>.</param>
/// <param name="Role"><c>participant</c> or <c>volunteer</c>: the person's role in their sessions.</param>
public sealed record CohortFilters(
    string? SessionType = null, string? Language = null, IReadOnlyList<string>? CefrAtStart = null,
    string? FirstSessionFrom = null, string? FirstSessionTo = null, string? Role = null)
{
    private static readonly string[] SessionTypes = ["language", "mentorship"];
    private static readonly string[] Languages = ["en", "uk", "no"];
    private static readonly string[] Levels = ["A1", "A2", "B1", "B2", "C1", "C2"];
    private static readonly string[] Roles = ["participant", "volunteer"];

    /// <summary>The filters in their stored form, or the errors (field path → messages) that stop them being stored.</summary>
    public (CohortFilters Normalized, DateOnly? From, DateOnly? To) Validate(string path, Dictionary<string, string[]> errors)
    {
        var sessionType = OneOf(SessionType, SessionTypes, $"{path}.sessionType", errors);
        var language = OneOf(Language, Languages, $"{path}.language", errors);
        var role = OneOf(Role, Roles, $"{path}.role", errors);
        List<string>? levels = null;
        if (CefrAtStart is not null)
        {
            levels = [];
            foreach (var level in CefrAtStart)
            {
                var l = level?.Trim().ToUpperInvariant();
                if (l is null || !Levels.Contains(l))
                {
                    errors[$"{path}.cefrAtStart"] = [$"'{Clip(level)}' is not a CEFR level: use A1, A2, B1, B2, C1 or C2."];
                }
                else if (!levels.Contains(l))
                {
                    levels.Add(l);
                }
            }

            if (levels.Count == 0 && !errors.ContainsKey($"{path}.cefrAtStart"))
            {
                errors[$"{path}.cefrAtStart"] = ["Give at least one CEFR level, or leave the filter out."];
            }

            levels.Sort(StringComparer.Ordinal);
        }

        var from = Month(FirstSessionFrom, $"{path}.firstSessionFrom", errors);
        var to = Month(FirstSessionTo, $"{path}.firstSessionTo", errors);
        if (from is { } f && to is { } t && f > t)
        {
            errors[$"{path}.firstSessionTo"] = [$"firstSessionTo ({FirstSessionTo}) is before firstSessionFrom ({FirstSessionFrom})."];
        }

        return (new CohortFilters(sessionType, language, levels, Label(from), Label(to), role), from, to);
    }

    /// <summary>The filters as stored (month columns as dates).</summary>
    public static CohortFilters FromColumns(string? sessionType, string? language, string[]? cefr, DateOnly? from, DateOnly? to, string? role) =>
        new(sessionType, language, cefr, Label(from), Label(to), role);

    private static string? Label(DateOnly? month) => month?.ToString("yyyy-MM", CultureInfo.InvariantCulture);

    private static string? OneOf(string? value, string[] allowed, string field, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }

        var match = allowed.FirstOrDefault(a => string.Equals(a, value.Trim(), StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            errors[field] = [$"'{Clip(value)}' is not allowed: use one of {string.Join(", ", allowed)}."];
        }

        return match;
    }

    private static DateOnly? Month(string? value, string field, Dictionary<string, string[]> errors)
    {
        if (value is null)
        {
            return null;
        }

        if (CohortPeriod.Parse(value) is { Kind: CohortPeriod.Month } p)
        {
            return p.Start;
        }

        errors[field] = [$"'{Clip(value)}' is not a month: use YYYY-MM, e.g. 2026-03."];
        return null;
    }

    private static string Clip(string? value) => value is null ? "null" : value.Length <= 32 ? value : value[..32] + "…";
}
