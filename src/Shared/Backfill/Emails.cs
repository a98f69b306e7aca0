using System.Text.RegularExpressions;

namespace Impact.Shared.Backfill;

/// <summary>The e-mail check used for partner data: one @, something on each side, a dot in the domain, no spaces.</summary>
public static partial class Emails
{
    /// <summary>True when <paramref name="email"/> looks like a deliverable address.</summary>
    public static bool IsValid(string email) => email.Length <= 254 && Pattern().IsMatch(email);

    [GeneratedRegex(@"^[^@\s""<>,;]+@[^@\s""<>,;]+\.[^@\s""<>,;.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
